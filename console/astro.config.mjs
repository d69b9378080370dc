import { defineConfig } from "astro/config";

// Served by the Worker at /console from its static assets (wrangler.toml [assets]).
export default defineConfig({
  base: "/console",
  outDir: "./dist/console",
  trailingSlash: "ignore",
  build: { format: "directory" },
  // External scripts only: the Worker's CSP allows script-src 'self' and nothing inline.
  vite: { build: { assetsInlineLimit: 0 } },
});
