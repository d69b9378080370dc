import { SMTPServer } from "smtp-server";

export type ReceivedMail = { from: string | null; to: string[]; raw: string; at: number };

/**
 * A real SMTP server on 127.0.0.1 that keeps every message it accepts (raw MIME). A recipient
 * starting with `reject` is refused with 550. Used by the tests and the benchmarks.
 */
export async function startSmtpSink() {
  const received: ReceivedMail[] = [];
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
  // A client that drops its connection (a Worker torn down mid-send) is not the server's failure.
  smtp.on("error", () => {});
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  const address = smtp.server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    received,
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}
