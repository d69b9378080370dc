// What Hono carries through a request: the bindings, and who is asking (set by the guards in auth.ts and identity.ts).
import type { ApiScope } from "../../db/schema/index.ts";

/** Who called an admin route: an API key, or a person signed in through Cloudflare Access. */
export type Principal =
  | { kind: "key"; keyId: string; name: string; scopes: ApiScope[] }
  | { kind: "access"; email: string; scopes: ApiScope[] };

/** A visitor of the host app, named by its identity token. */
export type Visitor = { contactId: string; externalId: string; email: string | null; name: string | null };

export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    principal: Principal;
    visitor: Visitor;
  };
};
