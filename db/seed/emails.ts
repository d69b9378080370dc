import type { SeedContext } from "./context.ts";

/** Demo data for emails. */
export async function seedEmails(_ctx: SeedContext): Promise<void> {}
