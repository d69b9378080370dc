// The shape of the code, kept true by a test: docs/ARCHITECTURE.md says why each rule exists.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const rel = (p: string) => relative(ROOT, p);

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(join(ROOT, dir))) {
    const p = join(dir, name);
    if (statSync(join(ROOT, p)).isDirectory()) files(p, out);
    else if (/\.tsx?$/.test(name) && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

const source = new Map<string, string>();
const read = (p: string) => {
  const cached = source.get(p);
  if (cached !== undefined) return cached;
  const text = readFileSync(join(ROOT, p), "utf8");
  source.set(p, text);
  return text;
};

/** Every relative import and export-from of `file` (type-only ones included), as repository paths. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(read(file), true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((f) => f.startsWith("."))
    .map((f) => rel(resolve(ROOT, dirname(file), f)));
}

const worker = files("worker");
const CAPABILITIES = [
  ...new Set(
    worker
      .map((f) => f.split("/"))
      .filter((p) => p.length > 2 && p[1] !== "lib")
      .map((p) => p[1]),
  ),
].sort();
const capabilityOf = (f: string) => {
  const [top, cap] = f.split("/");
  return top === "worker" && CAPABILITIES.includes(cap) && f.split("/").length > 2 ? cap : null;
};

/** The composition root mounts each capability's router and registers its jobs; nothing else does. */
const ROOT_MAY_IMPORT = (cap: string) => [`worker/${cap}/routes/index.ts`, `worker/${cap}/jobs.ts`];
const COMPOSITION_ROOT = ["worker/app.ts", "worker/jobs.ts"];

describe("capabilities talk through their index.ts", () => {
  const outside = [...worker, ...files("db"), ...files("scripts")];
  it.each(CAPABILITIES)("nothing outside worker/%s imports its internals", (cap) => {
    const allowed = (f: string, t: string) =>
      t === `worker/${cap}/index.ts` || (COMPOSITION_ROOT.includes(f) && ROOT_MAY_IMPORT(cap).includes(t));
    const bad = outside.flatMap((f) =>
      capabilityOf(f) === cap
        ? []
        : importsOf(f)
            .filter((t) => capabilityOf(t) === cap && !allowed(f, t))
            .map((t) => `${f} → ${t}`),
    );
    expect(bad).toEqual([]);
  });

  it.each(CAPABILITIES)("worker/%s/index.ts loads in Node, so seeds and scripts can use it", (cap) => {
    // The contract must not drag in routes, views or workerd-only modules (`cloudflare:*`).
    const out = spawnSync(process.execPath, ["--input-type=module", "-e", `await import("./worker/${cap}/index.ts")`], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(out.stderr).toBe("");
    expect(out.status).toBe(0);
  });

  it("worker/lib imports no capability", () => {
    const bad = worker
      .filter((f) => f.startsWith("worker/lib/"))
      .flatMap((f) =>
        importsOf(f)
          .filter((t) => capabilityOf(t))
          .map((t) => `${f} → ${t}`),
      );
    expect(bad).toEqual([]);
  });

  it("no two capabilities import each other", () => {
    const uses = new Map<string, Set<string>>();
    for (const f of worker) {
      const from = capabilityOf(f);
      if (!from) continue;
      for (const t of importsOf(f)) {
        const to = capabilityOf(t);
        if (to && to !== from) uses.set(from, (uses.get(from) ?? new Set()).add(to));
      }
    }
    const mutual = [...uses].flatMap(([a, tos]) =>
      [...tos].filter((b) => a < b && uses.get(b)?.has(a)).map((b) => `${a} ↔ ${b}`),
    );
    expect(mutual).toEqual([]);
  });

  it("worker/ has no import cycle, type-only imports included", () => {
    const graph = new Map(worker.map((f) => [f, importsOf(f).filter((t) => source.has(t) || worker.includes(t))]));
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === "done") return;
      if (state.get(f) === "open") {
        cycles.push([...path.slice(path.indexOf(f)), f].join(" → "));
        return;
      }
      state.set(f, "open");
      for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, "done");
    };
    for (const f of worker) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it("seeds use capabilities' index.ts and the database schema; scripts and seeds never import tests", () => {
    const bad = [...files("db"), ...files("scripts")].flatMap((f) =>
      importsOf(f)
        .filter((t) => t.startsWith("test/") || (f.startsWith("db/") && t.startsWith("scripts/")))
        .map((t) => `${f} → ${t}`),
    );
    expect(bad).toEqual([]);
  });
});

/** Where D1 may be reached: store modules and the toolkit in worker/lib/db.ts. */
const isStore = (f: string) => /(^|\/)store(\.ts|\/)/.test(f) || f === "worker/lib/db.ts";
/** A value import of drizzle (query builders, operators, `sql`), or a query run on a handle. */
const SQL_USE =
  /^import (?!type )[^;]*from "drizzle-orm[^"]*"|\b(?:db|tx|\$client)\s*\.\s*(?:select|selectDistinct|insert|update|delete|query|prepare|batch|run|all|get)\b|\.\$client\b/m;

describe("SQL lives in store modules", () => {
  it("no file outside a store module builds or runs a query", () => {
    const bad = worker.filter((f) => !isStore(f) && SQL_USE.test(read(f)));
    expect(bad).toEqual([]);
  });
});

describe("files and functions a newcomer can read", () => {
  it("route files stay under about 300 lines", () => {
    const long = worker
      .filter((f) => /\/routes(\/|\.ts)/.test(f))
      .map((f) => [f, read(f).split("\n").length] as const)
      .filter(([, n]) => n > 320);
    expect(long).toEqual([]);
  });

  it("functions stay under about 80 lines outside views", () => {
    const long: string[] = [];
    for (const f of worker.filter((f) => f.endsWith(".ts"))) {
      const sf = ts.createSourceFile(f, read(f), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node) => {
        if (ts.isFunctionLike(node) && "body" in node && node.body) {
          const lines =
            sf.getLineAndCharacterOfPosition(node.body.getEnd()).line -
            sf.getLineAndCharacterOfPosition(node.body.getStart()).line;
          if (lines > 85)
            long.push(`${f}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1} (${lines} lines)`);
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
    expect(long).toEqual([]);
  });
});

describe("every capability has the same shape", () => {
  it.each(CAPABILITIES)("worker/%s has index.ts, schemas.ts, jobs.ts or none, routes/ and a store", (cap) => {
    const mine = worker.filter((f) => capabilityOf(f) === cap).map((f) => f.slice(`worker/${cap}/`.length));
    expect(mine).toContain("index.ts");
    expect(mine.some((f) => f === "schemas.ts" || f.startsWith("schemas/"))).toBe(true);
    expect(mine.some((f) => f.startsWith("routes/"))).toBe(true);
    expect(mine.some((f) => f === "store.ts" || f.startsWith("store/"))).toBe(true);
    // The old per-capability shapes, gone: one router file, register* wrappers, pages.tsx as a router.
    expect(mine.filter((f) => /^(routes|admin-routes|public-routes|.*-routes)\.ts$/.test(f))).toEqual([]);
  });

  it("the project's documents stand alone", () => {
    for (const doc of ["README.md", "DEVELOPERS.md", "docs/ARCHITECTURE.md"]) {
      expect(read(doc), doc).not.toMatch(/\.\.\/shared\//);
    }
  });
});
