// Requests to URLs that users gave: every hop passes the outbound rule before it is made.
import { type OutboundEnv, outboundUrlProblem } from "./urls.ts";

/** A request Rapport would not make: the URL, or a redirect's Location, breaks the outbound rule. */
export class RefusedUrl extends Error {
  override name = "RefusedUrl";
}

/**
 * `fetch` for a user-given URL. The URL is checked against `outboundUrlProblem` before the request;
 * with `redirects` > 0 a GET or HEAD follows up to that many redirects, checking each Location the
 * same way. Otherwise a 3xx is returned as it is (webhooks do not follow redirects).
 * Throws `RefusedUrl` instead of making a request the rule forbids.
 */
export async function safeFetch(url: string, init: RequestInit, env: OutboundEnv, redirects = 0): Promise<Response> {
  const follows = redirects > 0 && ["GET", "HEAD"].includes((init.method ?? "GET").toUpperCase());
  let target = url;
  for (let hop = 0; ; hop++) {
    const why = outboundUrlProblem(target, env);
    if (why) throw new RefusedUrl(`refused: ${hop ? `redirect to ${target.slice(0, 200)}: ` : ""}${why}`);
    const res = await fetch(target, { ...init, redirect: "manual" });
    const location = res.headers.get("location");
    if (!follows || res.status < 300 || res.status > 399 || !location) return res;
    await res.body?.cancel();
    if (hop >= redirects) throw new Error(`more than ${redirects} redirects`);
    target = URL.parse(location, target)?.href ?? location;
  }
}

/** The start of a response body, about `max` characters (an endpoint may answer with anything). */
export async function readStart(res: Response, max: number): Promise<string> {
  if (!res.body) return "";
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of res.body) {
    text += decoder.decode(chunk, { stream: true });
    if (text.length >= max) break;
  }
  return text.slice(0, max);
}
