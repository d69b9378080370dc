import type { BenchSuite } from "./types.ts";

export const suite: BenchSuite = {
  scenarios: [{ name: "GET /api/v1/health", path: "/api/v1/health" }],
};
