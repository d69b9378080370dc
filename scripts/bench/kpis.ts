import type { BenchSuite } from "./types.ts";

// Filled in by prepare(): the bench database's admin key.
const headers: Record<string, string> = {};

// On the seeded demo: a year of daily snapshots, targets and NPS responses; this quarter is computed live.
export const suite: BenchSuite = {
  async prepare(ctx) {
    headers.authorization = `Bearer ${ctx.key}`;
  },
  scenarios: [
    { name: "GET /api/v1/kpis (this quarter, live)", path: "/api/v1/kpis", headers, minRatio: 0.3 },
    { name: "GET /api/v1/kpis/nps/history (4 quarters)", path: "/api/v1/kpis/nps/history?quarters=4", headers },
  ],
};
