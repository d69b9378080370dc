import type { SeedContext } from "./context.ts";

/** Demo data for status. */
export async function seedStatus(_ctx: SeedContext): Promise<void> {}
