import { readdir, readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

/** The one recipient the test `send_email` binding accepts (as a verified destination would be). */
export const BINDING_RECIPIENT = "reader@example.com";

/**
 * The .eml files Miniflare's local `send_email` binding keeps: `email/email/<uuid>.eml` in each
 * Miniflare's temporary directory under `tmp` (removed when it exits, kept when it is killed). The
 * pool does not let a project choose that directory, so every Miniflare's is searched; a unique
 * Message-ID tells runs apart.
 */
export async function emlFiles(tmp = tmpdir()): Promise<string[]> {
  const roots = (await readdir(tmp)).filter((d) => d.startsWith("miniflare-"));
  const lists = await Promise.all(
    roots.map(async (root) => {
      const dir = join(tmp, root, "email", "email");
      const names = await readdir(dir).catch(() => [] as string[]);
      return names.filter((n) => n.endsWith(".eml")).map((n) => join(dir, n));
    }),
  );
  return lists.flat();
}

/**
 * Global setup: an HTTP endpoint to read what the binding kept, since tests run inside workerd.
 * `GET /eml?contains=text` answers the raw .eml that contains `text` (a unique Message-ID), or 404.
 */
export default async function setup(project: TestProject) {
  const server = createServer(async (req, res) => {
    const needle = new URL(req.url ?? "/", "http://127.0.0.1").searchParams.get("contains") ?? "";
    for (const file of needle ? await emlFiles() : []) {
      const raw = await readFile(file, "utf8").catch(() => "");
      if (raw.includes(needle)) {
        res.setHeader("content-type", "message/rfc822");
        res.end(raw);
        return;
      }
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  project.provide("bindingMailPort", typeof address === "object" && address ? address.port : 0);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
