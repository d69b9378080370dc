import { sha256Hex } from "../../worker/lib/crypto.ts";
import { apiKeys } from "../schema/index.ts";
import type { SeedContext } from "./context.ts";

/**
 * The local admin key. Fixed so that every `npm start` can print it; it is only ever
 * written to the local database (the seed never runs against a remote one).
 */
export const LOCAL_ADMIN_KEY = "rk_localdev_RapportLocalDevelopmentKey0000";

export async function seedPlatform(ctx: SeedContext): Promise<void> {
  await ctx.db
    .insert(apiKeys)
    .values({
      id: "key_local_admin",
      name: "Local demo key (admin)",
      prefix: "rk_localdev",
      hash: await sha256Hex(LOCAL_ADMIN_KEY),
      scopes: ["admin"],
      createdAt: ctx.now,
    })
    .onConflictDoNothing();
}
