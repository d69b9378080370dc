import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";
import { BIN, ROOT } from "../../scripts/lib.ts";

it("the migrations match the drizzle schema (drizzle-kit would generate nothing)", () => {
  const scratch = join(mkdtempSync(join(tmpdir(), "rapport-migrations-")), "migrations");
  cpSync(resolve(ROOT, "db/migrations"), scratch, { recursive: true });
  const before = readdirSync(scratch).filter((f) => f.endsWith(".sql"));
  const res = spawnSync(resolve(BIN, "drizzle-kit"), ["generate", "--name", "drift"], {
    cwd: ROOT,
    env: { ...process.env, RAPPORT_MIGRATIONS_DIR: scratch },
    encoding: "utf8",
  });
  expect(res.status, res.stderr).toBe(0);
  const after = readdirSync(scratch).filter((f) => f.endsWith(".sql"));
  expect(after, "run `npm run db:generate` and commit the migration").toEqual(before);
});
