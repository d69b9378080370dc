import { createServer } from "node:http";
import { createServer as createTcpServer, type Socket } from "node:net";
import type { TestProject } from "vitest/node";
import { type ReceivedMail, startSmtpSink } from "../../scripts/smtp-sink.ts";

/**
 * A minimal SMTP server that accepts every message (250 after DATA) but holds its answer to QUIT
 * until `release()`: it shows whether a client records a message as sent on acceptance or only
 * after QUIT.
 */
function heldQuitServer(received: ReceivedMail[]) {
  const held: Array<() => void> = [];
  const server = createTcpServer((socket: Socket) => {
    let buffer = "";
    let data: string | null = null;
    let to: string[] = [];
    socket.on("error", () => {});
    socket.write("220 held-quit ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      for (;;) {
        if (data !== null) {
          const end = buffer.indexOf("\r\n.\r\n");
          if (end < 0) return;
          received.push({ from: null, to, raw: (data + buffer.slice(0, end)).replace(/^\.\./gm, "."), at: Date.now() });
          buffer = buffer.slice(end + 5);
          data = null;
          socket.write("250 accepted\r\n");
          continue;
        }
        const eol = buffer.indexOf("\r\n");
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO" || verb === "HELO") socket.write("250 held-quit\r\n");
        else if (verb === "MAIL") {
          to = [];
          socket.write("250 ok\r\n");
        } else if (verb === "RCPT") {
          to.push(/<([^>]*)>/.exec(line)?.[1] ?? "");
          socket.write("250 ok\r\n");
        } else if (verb === "DATA") {
          data = "";
          socket.write("354 go ahead\r\n");
        } else if (verb === "QUIT") held.push(() => socket.end("221 bye\r\n"));
        else socket.write("250 ok\r\n");
      }
    });
  });
  return {
    server,
    held,
    release: () => {
      for (const answer of held.splice(0)) answer();
    },
  };
}

/**
 * Global setup: the SMTP sink above for the smtp provider in tests, and an HTTP endpoint to read
 * what it got: `GET /messages?to=addr` lists the messages (raw MIME), `DELETE /messages` forgets
 * them. A second server (`heldQuitSmtpPort`) accepts everything but answers QUIT only after
 * `POST /held-quits`.
 */
export default async function setup(project: TestProject) {
  const smtp = await startSmtpSink();
  const { received } = smtp;
  const heldQuit = heldQuitServer(received);
  await new Promise<void>((resolve) => heldQuit.server.listen(0, "127.0.0.1", resolve));
  const http = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/held-quits") {
      // GET: how many QUITs wait for an answer; POST: answer them.
      if (req.method === "POST") heldQuit.release();
      res.end(String(heldQuit.held.length));
      return;
    }
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
  project.provide("smtpPort", smtp.port);
  project.provide("smtpApiPort", port(http));
  project.provide("heldQuitSmtpPort", port(heldQuit.server));
  return async () => {
    heldQuit.release();
    await new Promise<void>((resolve) => heldQuit.server.close(() => resolve()));
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await smtp.close();
  };
}
