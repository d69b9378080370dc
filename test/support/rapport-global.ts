import type { TestProject } from "vitest/node";
import { startLocalRapport } from "./local-rapport.ts";

/** One local Rapport (wrangler dev on a seeded scratch D1) shared by every browser test file. */
export default async function setup(project: TestProject) {
  const rapport = await startLocalRapport();
  project.provide("rapportUrl", rapport.url);
  project.provide("rapportKey", rapport.key);
  return () => rapport.stop();
}
