import { call, newKey } from "./helpers.ts";

export type Json = Record<string, unknown> & { id: string };

/** A fresh page with a group and components, made through the admin API. */
export async function makePage(key?: string, opts: { components?: number; pausesMarketing?: boolean } = {}) {
  const k = key ?? (await newKey(["status"]));
  const slug = `p-${crypto.randomUUID().slice(0, 8)}`;
  const page = (await (
    await call("/api/v1/status/pages", {
      method: "POST",
      key: k,
      json: { slug, name: `Page ${slug}`, pausesMarketing: opts.pausesMarketing },
    })
  ).json()) as Json;
  const group = (await (
    await call(`/api/v1/status/pages/${page.id}/groups`, { method: "POST", key: k, json: { name: "Core" } })
  ).json()) as Json;
  const components: Json[] = [];
  for (let i = 0; i < (opts.components ?? 2); i++) {
    const res = await call(`/api/v1/status/pages/${page.id}/components`, {
      method: "POST",
      key: k,
      json: { name: `Service ${i}`, groupId: group.id, position: i },
    });
    components.push((await res.json()) as Json);
  }
  return { key: k, slug, page, group, components };
}

export async function postJson(path: string, key: string, json: unknown, method = "POST") {
  const res = await call(path, { method, key, json });
  return { res, body: (await res.json()) as Record<string, unknown> & { id: string } };
}
