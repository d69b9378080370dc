// What Hono carries through a request: the bindings, and who is asking (set by the guards in auth.ts and identity.ts).
import type { ApiScope } from "../../db/schema/index.ts";
import type { Db } from "./db.ts";

/** Who called an admin route: an API key, or a person signed in through Cloudflare Access. */
export type Principal =
  | { kind: "key"; keyId: string; name: string; scopes: ApiScope[] }
  | { kind: "access"; email: string; scopes: ApiScope[] };

/** A visitor of the host app, named by its identity token. */
export type Visitor = { contactId: string; externalId: string; email: string | null; name: string | null };

/** A visitor's D1 session (the Sessions API) and a drizzle handle on it: see d1-session.ts. */
export type D1Session = { session: D1DatabaseSession; db: Db };

export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    principal: Principal;
    visitor: Visitor;
    /** The visitor's D1 session, opened on first use (d1-session.ts). */
    d1Session: Promise<D1Session>;
  };
};
