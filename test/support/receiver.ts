import { createServer, type IncomingMessage } from "node:http";
import type { TestProject } from "vitest/node";

type Received = { path: string; headers: IncomingMessage["headers"]; body: string; at: number };

/**
 * A real HTTP server on 127.0.0.1 that webhook and monitor tests call out to.
 * `GET /__received?path=/x` lists what `/x` received; `/status/:code/...` answers with that code.
 */
export default async function setup(project: TestProject) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/__received") {
      const path = url.searchParams.get("path");
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(received.filter((r) => !path || r.path === path)));
      return;
    }
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      received.push({ path: url.pathname, headers: req.headers, body, at: Date.now() });
      const code = /^\/status\/(\d{3})\b/.exec(url.pathname);
      res.statusCode = code ? Number(code[1]) : 200;
      res.end(code ? `status ${code[1]}` : "ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  project.provide("receiverPort", typeof address === "object" && address ? address.port : 0);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
