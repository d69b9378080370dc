// Lets Node load the Worker's .tsx views (hono/jsx), which type stripping does not: the seed reaches
// capabilities through their index.ts, and those mount routes that render views. Preloaded with
// `node --import ./scripts/jsx.ts` by npm start, seed and bench.
import { readFileSync } from "node:fs";
import { createRequire, registerHooks } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
let ts: typeof import("typescript") | undefined;

registerHooks({
  load(url, context, nextLoad) {
    if (!url.startsWith("file:") || !url.endsWith(".tsx")) return nextLoad(url, context);
    ts ??= require("typescript") as typeof import("typescript");
    const fileName = fileURLToPath(url);
    const { outputText } = ts.transpileModule(readFileSync(fileName, "utf8"), {
      fileName,
      compilerOptions: {
        jsx: ts.JsxEmit.ReactJSX,
        jsxImportSource: "hono/jsx",
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2023,
        verbatimModuleSyntax: true,
      },
    });
    return { format: "module", source: outputText, shortCircuit: true };
  },
});
