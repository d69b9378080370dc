/** The console's one client for the Worker's JSON API. The key lives in session storage only. */
const KEY = "rapport.apiKey";
export const BASE = "/console";

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: Array<{ path: string; message: string }>;
};

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

export const getKey = () => sessionStorage.getItem(KEY);
export const setKey = (key: string) => sessionStorage.setItem(KEY, key);
export const signOut = () => {
  sessionStorage.removeItem(KEY);
  location.assign(`${BASE}/sign-in/`);
};

export async function api<T>(path: string, init: RequestInit & { json?: unknown; key?: string } = {}): Promise<T> {
  const headers = new Headers(init.headers);
  const key = init.key ?? getKey();
  if (key) headers.set("authorization", `Bearer ${key}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  const res = await fetch(`/api/v1${path}`, { ...init, headers, body });
  if (res.status === 204) return undefined as T;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    if (res.status === 401 && !init.key) signOut();
    throw new ApiError(data as Problem);
  }
  return data as T;
}

/** Every console page but sign-in needs a key: send people without one to sign in. */
export function requireKey(): string | null {
  const key = getKey();
  if (!key) location.replace(`${BASE}/sign-in/`);
  return key;
}

/** Escapes text for the few places pages build HTML strings. */
export function esc(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const fmt = {
  int: (n: number) => new Intl.NumberFormat().format(n),
  pct: (n: number, digits = 1) => `${(n * 100).toFixed(digits)}%`,
  date: (ms: number) => new Date(ms).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" }),
  dateTime: (ms: number) => new Date(ms).toLocaleString(),
};
