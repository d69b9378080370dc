import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { TestProject } from "vitest/node";

/** The server token the fake accepts (X-Postmark-Server-Token). */
export const POSTMARK_TEST_TOKEN = "postmark-test-token";

type Sent = {
  MessageID: string;
  To: string;
  Subject: string;
  Metadata: Record<string, string>;
  MessageStream: string;
  ReceivedAt: string;
};

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.statusCode = status;
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(body));
};

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => resolve(body));
  });

/**
 * The outbound message search as Postmark documents it (GET /messages/outbound): `count` (at most
 * 500) and `offset` required, count + offset at most 10,000, filters `recipient` and one
 * `metadata_<key>`; newest first; an invalid query gets 422 with an ErrorCode.
 */
function search(sent: Sent[], q: URLSearchParams) {
  const count = Number(q.get("count"));
  const offset = Number(q.get("offset"));
  if (!q.has("count") || !q.has("offset") || !Number.isInteger(count) || !Number.isInteger(offset))
    return { status: 422, body: { ErrorCode: 1300, Message: "count and offset are required" } };
  if (count < 1 || count > 500 || offset < 0 || count + offset > 10_000)
    return { status: 422, body: { ErrorCode: 1300, Message: "count must be 1-500 and count + offset at most 10000" } };
  const metadata = [...q.entries()].filter(([k]) => k.startsWith("metadata_"));
  if (metadata.length > 1) return { status: 422, body: { ErrorCode: 1300, Message: "one metadata filter at a time" } };
  const recipient = q.get("recipient")?.toLowerCase();
  const hits = sent
    .filter((m) => !recipient || m.To.toLowerCase() === recipient)
    .filter((m) => metadata.every(([k, v]) => m.Metadata[k.slice("metadata_".length)] === v))
    .reverse();
  const page = hits.slice(offset, offset + count).map((m) => ({
    Tag: "",
    MessageID: m.MessageID,
    MessageStream: m.MessageStream,
    To: [{ Email: m.To, Name: null }],
    Cc: [],
    Bcc: [],
    Recipients: [m.To],
    ReceivedAt: m.ReceivedAt,
    From: "",
    Subject: m.Subject,
    Attachments: [],
    Status: "Sent",
    TrackOpens: false,
    TrackLinks: "None",
    Metadata: m.Metadata,
    Sandboxed: false,
  }));
  return { status: 200, body: { TotalCount: hits.length, Messages: page } };
}

/**
 * Global setup: a fake Postmark API on 127.0.0.1 (POST /email and the outbound message search),
 * so delivery can be tested against the requests Postmark answers. `GET /__sent?to=addr` lists
 * what it accepted, for assertions.
 */
export default async function setup(project: TestProject) {
  const sent: Sent[] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/__sent") {
      const to = url.searchParams.get("to");
      return json(
        res,
        200,
        sent.filter((m) => !to || m.To === to),
      );
    }
    const body = await readBody(req);
    if (req.headers["x-postmark-server-token"] !== POSTMARK_TEST_TOKEN)
      return json(res, 401, { ErrorCode: 10, Message: "No Account or Server API tokens were supplied" });
    if (req.method === "GET" && url.pathname === "/messages/outbound") {
      const { status, body: answer } = search(sent, url.searchParams);
      return json(res, status, answer);
    }
    if (req.method === "POST" && url.pathname === "/email") {
      const m = JSON.parse(body) as Partial<Sent> & { From?: string };
      if (!m.From || !m.To) return json(res, 422, { ErrorCode: 300, Message: "Invalid email request" });
      const message: Sent = {
        MessageID: crypto.randomUUID(),
        To: m.To,
        Subject: m.Subject ?? "",
        Metadata: m.Metadata ?? {},
        MessageStream: m.MessageStream ?? "outbound",
        ReceivedAt: new Date().toISOString(),
      };
      sent.push(message);
      return json(res, 200, {
        To: m.To,
        SubmittedAt: message.ReceivedAt,
        MessageID: message.MessageID,
        ErrorCode: 0,
        Message: "OK",
      });
    }
    json(res, 404, { ErrorCode: 404, Message: "not found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  project.provide("postmarkPort", typeof address === "object" && address ? address.port : 0);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
