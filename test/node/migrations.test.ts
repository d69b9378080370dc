import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
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

it("an upgrade keeps every stored email body: 0020 copies them to email_bodies before 0021 drops the columns", () => {
  const dir = resolve(ROOT, "db/migrations");
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort();
  const db = new DatabaseSync(":memory:");
  const apply = (from: string, to: string) => {
    for (const f of files.filter((f) => f >= from && f < to)) db.exec(readFileSync(join(dir, f), "utf8"));
  };
  apply("0000", "0020");
  db.exec(`insert into email_messages (id, idempotency_key, topic, state, send_after, created_at, updated_at,
      html, text, headers, context) values
    ('em_a', 'k_a', 'product', 'sent', 1, 1, 1, '<p>Hi Ada</p>', 'Hi Ada', '{"List-Unsubscribe":"<https://x/u>"}', '{"enteredAt":5}'),
    ('em_b', 'k_b', 'product', 'queued', 1, 1, 1, null, null, null, '{"event":"signed_up"}'),
    ('em_c', 'k_c', 'product', 'skipped', 1, 1, 1, null, null, null, null)`);
  apply("0020", "9999");
  expect(db.prepare("select * from email_bodies order by message_id").all()).toEqual([
    {
      message_id: "em_a",
      html: "<p>Hi Ada</p>",
      text: "Hi Ada",
      headers: '{"List-Unsubscribe":"<https://x/u>"}',
      context: '{"enteredAt":5}',
    },
    { message_id: "em_b", html: null, text: null, headers: null, context: '{"event":"signed_up"}' },
  ]);
  const columns = db.prepare("select name from pragma_table_info('email_messages')").all();
  expect(columns.map((c) => c.name)).not.toContain("html");
});
