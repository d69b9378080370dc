// Ingestion bodies as Segment libraries send them: JSON whatever the label (analytics.js says
// `text/plain` to skip a CORS preflight, others `application/x-www-form-urlencoded`), and
// gzip-compressed from the server libraries. Decompression stops at the size limit.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../lib/env.ts";
import { Problem } from "../../lib/problem.ts";

/** Decompressed bodies are limited like raw ones (the app's bodyLimit). */
export const MAX_INGEST_BYTES = 1024 * 1024;

const tooLarge = () =>
  new Problem(413, "payload-too-large", `Request bodies are limited to ${MAX_INGEST_BYTES / 1024} KiB decompressed`);

/** Reads `stream` to the end, refusing more than `max` bytes without reading further. */
async function readLimited(stream: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel();
        throw tooLarge();
      }
      parts.push(value);
    }
  } catch (err) {
    if (err instanceof Problem) throw err;
    throw new Problem(400, "malformed-body", "The body is not valid gzip");
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * Route middleware: the body, decompressed when `Content-Encoding: gzip`, is parsed as JSON
 * whatever its Content-Type, and handed on as `application/json` for validation.
 */
export function segmentBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const raw = c.req.raw;
    const encoding = (raw.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
    if (!["identity", "gzip", "x-gzip"].includes(encoding)) {
      throw new Problem(415, "unsupported-media-type", "Send the body uncompressed or with `Content-Encoding: gzip`");
    }
    let json: Promise<unknown>;
    try {
      const stream = encoding === "identity" ? raw.body : raw.body?.pipeThrough(new DecompressionStream("gzip"));
      const text = stream ? new TextDecoder().decode(await readLimited(stream, MAX_INGEST_BYTES)) : "";
      json = Promise.resolve(JSON.parse(text));
    } catch (err) {
      if (err instanceof Problem && err.status === 413) throw err;
      // Reported when the body is read: after the write key is checked (no key is a 401 first).
      json = Promise.reject(err instanceof Problem ? err : new Problem(400, "malformed-body", "The body must be JSON"));
      json.catch(() => {});
    }
    const headers = new Headers(raw.headers);
    headers.set("content-type", "application/json");
    headers.delete("content-encoding");
    headers.delete("content-length");
    // The validator reads the parsed body from the cache; the label says JSON, as it now is.
    c.req.raw = new Request(raw.url, { method: raw.method, headers });
    c.req.bodyCache.json = json;
    await next();
  };
}
