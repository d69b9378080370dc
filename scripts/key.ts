// Manage API keys in the local database.
//   npm run key -- create --name "CI" --scopes admin,read
//   npm run key -- create --name "web" --scopes ingest      (a write key safe in a web page)
//   npm run key -- list
//   npm run key -- revoke <id>
//   npm run key -- create --name "First admin" --scopes admin --remote   (the deployed database)
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { Miniflare } from "miniflare";
import { API_SCOPES, type ApiScope } from "../db/schema/index.ts";
import { createApiKey, generateApiKey } from "../worker/lib/auth.ts";
import { getDb } from "../worker/lib/db.ts";
import { listApiKeys, revokeApiKey } from "../worker/lib/store/api-keys.ts";
import { compatibilityDate, databaseId, LOCAL_STATE, migrateLocal, run } from "./lib.ts";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: "string" },
    scopes: { type: "string", default: "read" },
    "persist-to": { type: "string" },
    remote: { type: "boolean", default: false },
  },
});
const [command, id] = positionals;

function usage(message?: string): never {
  if (message) console.error(message);
  console.error('Usage: npm run key -- create --name "NAME" --scopes admin,read | list | revoke <id>');
  console.error(`Scopes: ${API_SCOPES.join(", ")} (\`ingest\` only sends events: the one safe in a web page)`);
  process.exit(2);
}

if (!["create", "list", "revoke"].includes(command)) usage();

/** Where a new key may live: only an ingest-only key may leave the server. */
const whereItLives = (scopes: readonly ApiScope[]) =>
  scopes.every((s) => s === "ingest")
    ? "It only sends events: safe to embed in a web page or a Segment/RudderStack source."
    : "It can read data: keep it server-side (for a web page, make an `ingest` key).";

function parseScopes(): ApiScope[] {
  const scopes = values.scopes.split(",").map((s) => s.trim());
  const bad = scopes.filter((s) => !(API_SCOPES as readonly string[]).includes(s));
  if (bad.length) usage(`Unknown scope(s): ${bad.join(", ")}`);
  return scopes as ApiScope[];
}

if (values.remote) {
  // The deployed database: only `create`, through wrangler (which uses your Cloudflare login).
  if (command !== "create" || !values.name?.trim()) usage("--remote supports only: create --name NAME --scopes …");
  const { key, row } = await generateApiKey({ name: values.name.trim(), scopes: parseScopes() });
  const q = (v: string) => `'${v.replaceAll("'", "''")}'`;
  const sql = `INSERT INTO api_keys (id, name, prefix, hash, scopes, created_at) VALUES (${q(row.id)}, ${q(row.name)}, ${q(row.prefix)}, ${q(row.hash)}, ${q(JSON.stringify(row.scopes))}, ${row.createdAt})`;
  run("wrangler", ["d1", "execute", "DB", "--remote", "--command", sql]);
  console.log(
    `Created ${row.id} (${row.scopes.join(", ")}) in the remote database. ${whereItLives(row.scopes)} The key is shown only this once:\n\n  ${key}\n`,
  );
  process.exit(0);
}
migrateLocal(values["persist-to"]);
const mf = new Miniflare({
  modules: true,
  script: "export default { fetch() { return new Response(null, { status: 204 }) } }",
  compatibilityDate: compatibilityDate(),
  d1Databases: { DB: databaseId() },
  d1Persist: resolve(values["persist-to"] ?? LOCAL_STATE, "v3/d1"),
});
try {
  const db = getDb((await mf.getD1Database("DB")) as unknown as D1Database);
  if (command === "create") {
    if (!values.name?.trim()) usage("--name is required");
    const created = await createApiKey(db, { name: values.name.trim(), scopes: parseScopes() });
    console.log(
      `Created ${created.id} (${created.scopes.join(", ")}). ${whereItLives(created.scopes)} The key is shown only this once:\n\n  ${created.key}\n`,
    );
  } else if (command === "list") {
    for (const k of await listApiKeys(db)) {
      console.log(
        `${k.id}  ${k.prefix}…  ${k.scopes.join(",").padEnd(20)} ${k.revokedAt ? "revoked" : "active "}  ${k.name}`,
      );
    }
  } else {
    if (!id) usage("revoke needs a key id (see `list`)");
    const row = await revokeApiKey(db, id, Date.now());
    if (!row) usage(`No key ${id}`);
    console.log(`Revoked ${row.id} (${row.name}).`);
  }
} finally {
  await mf.dispose();
}
