import type { SeedContext } from "./context.ts";

/** Demo data for kpis. */
export async function seedKpis(_ctx: SeedContext): Promise<void> {}
