import type { SeedContext } from "./context.ts";

/** Demo data for feedback. */
export async function seedFeedback(_ctx: SeedContext): Promise<void> {}
