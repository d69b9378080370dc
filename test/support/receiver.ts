import { createServer, type IncomingMessage } from "node:http";
import type { TestProject } from "vitest/node";

const challengeOf = (body: string): string | undefined => {
  try {
    const msg = JSON.parse(body) as { type?: string; challenge?: string };
    return msg.type === "subscription.challenge" ? msg.challenge : undefined;
  } catch {
    return undefined;
  }
};

type Received = { path: string; headers: IncomingMessage["headers"]; body: string; at: number };

/**
 * A real HTTP server on 127.0.0.1 that webhook and monitor tests call out to.
 * `GET /__received?path=/x` lists what `/x` received; a path containing `/status/:code/` answers
 * with that code; one containing `/fail-first/:n/` answers 500 to its first n requests (challenges
 * aside), then 200; `/redirect/...?to=URL` answers 302 to URL. Under `/echo/` (plain text) or
 * `/echo-json/` a status subscription challenge is answered with its challenge.
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
      const to = url.searchParams.get("to");
      if (url.pathname.startsWith("/redirect/") && to) {
        res.writeHead(302, { location: to }).end();
        return;
      }
      const echo = /^\/echo(-json)?\//.exec(url.pathname);
      const challenge = echo ? challengeOf(body) : undefined;
      if (challenge !== undefined) {
        res.setHeader("content-type", echo?.[1] ? "application/json" : "text/plain");
        res.end(echo?.[1] ? JSON.stringify({ challenge }) : challenge);
        return;
      }
      const code = /\/status\/(\d{3})\b/.exec(url.pathname);
      const failFirst = /\/fail-first\/(\d+)\//.exec(url.pathname);
      const seen = received.filter((r) => r.path === url.pathname && challengeOf(r.body) === undefined).length;
      const failing = failFirst !== null && seen <= Number(failFirst[1]);
      res.statusCode = code ? Number(code[1]) : failing ? 500 : 200;
      res.end(code || failing ? `status ${res.statusCode}` : "ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  project.provide("receiverPort", typeof address === "object" && address ? address.port : 0);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
