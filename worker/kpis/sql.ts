import { sql } from "drizzle-orm";

/** The incoming row's value in an upsert's update set (`excluded.<column>`). */
export const excluded = (column: string) => sql.raw(`excluded.${column}`);
