import type { BenchSuite } from "./types.ts";

export const suite: BenchSuite = { scenarios: [] };
