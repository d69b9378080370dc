// What the feedback pages share. Their data types come from the API (Schemas in lib/api).
export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
export const statusName = (s: string) => s.replace("_", " ");
export const postHref = (id: string) => `/console/feedback/post/?id=${encodeURIComponent(id)}`;
