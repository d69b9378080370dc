import { createServer } from "node:http";
import type { TestProject } from "vitest/node";
import { startSmtpSink } from "./smtp-sink.ts";

/**
 * A real SMTP server on 127.0.0.1 that the smtp provider delivers to in tests, and an HTTP
 * endpoint to read what it got: `GET /messages?to=addr` lists the messages (raw MIME).
 * `DELETE /messages` forgets them. A recipient starting with `reject` is refused with 550.
 */
export default async function setup(project: TestProject) {
  const sink = await startSmtpSink();
  const { received } = sink;
  const http = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method === "DELETE") received.length = 0;
    const to = url.searchParams.get("to");
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(received.filter((m) => !to || m.to.includes(to))));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const address = http.address();
  project.provide("smtpPort", sink.port);
  project.provide("smtpApiPort", typeof address === "object" && address ? address.port : 0);
  return async () => {
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await sink.close();
  };
}
