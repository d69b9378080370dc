import type { Principal } from "./lib/auth.ts";
import type { Visitor } from "./lib/identity.ts";

export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    principal: Principal;
    visitor: Visitor;
  };
};
