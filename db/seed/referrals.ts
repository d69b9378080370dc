import type { SeedContext } from "./context.ts";

/** Demo data for referrals. */
export async function seedReferrals(_ctx: SeedContext): Promise<void> {}
