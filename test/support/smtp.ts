import { createServer } from "node:http";
import { SMTPServer } from "smtp-server";
import type { TestProject } from "vitest/node";

type Received = { from: string | null; to: string[]; raw: string; at: number };

/**
 * A real SMTP server on 127.0.0.1 that the smtp provider delivers to in tests, and an HTTP
 * endpoint to read what it got: `GET /messages?to=addr` lists the messages (raw MIME).
 * `DELETE /messages` forgets them. A recipient starting with `reject` is refused with 550.
 */
export default async function setup(project: TestProject) {
  const received: Received[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith("reject")) return callback(new Error("550 mailbox unavailable"));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (d: Buffer) => chunks.push(d));
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
          at: Date.now(),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  const http = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method === "DELETE") received.length = 0;
    const to = url.searchParams.get("to");
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(received.filter((m) => !to || m.to.includes(to))));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const port = (s: { address(): unknown }) => {
    const a = s.address();
    return typeof a === "object" && a ? (a as { port: number }).port : 0;
  };
  project.provide("smtpPort", port(smtp.server));
  project.provide("smtpApiPort", port(http));
  return async () => {
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  };
}
