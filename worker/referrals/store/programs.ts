import { eq } from "drizzle-orm";
import { referralPrograms } from "../../../db/schema/index.ts";
import { changesOf, type Db } from "../../lib/db.ts";
import { newId } from "../../lib/ids.ts";
import type { z } from "../../lib/openapi.ts";
import { notFound } from "../../lib/problem.ts";
import { defaultDestinationOrThrow } from "../destinations.ts";
import type { ProgramBody, ProgramPatch } from "../schemas.ts";
import { newestFirst } from "./page.ts";

export type Program = typeof referralPrograms.$inferSelect;

export async function createProgram(db: Db, input: z.infer<typeof ProgramBody>, now = Date.now()): Promise<Program> {
  const defaultDestination = defaultDestinationOrThrow(input.defaultDestination, input.allowedHosts);
  const [row] = await db
    .insert(referralPrograms)
    .values({ id: newId("prg", now), ...input, defaultDestination, createdAt: now, updatedAt: now })
    .returning();
  return row;
}

export async function findProgram(db: Db, id: string): Promise<Program | undefined> {
  return db.query.referralPrograms.findFirst({ where: eq(referralPrograms.id, id) });
}

export async function getProgramOrThrow(db: Db, id: string): Promise<Program> {
  const row = await findProgram(db, id);
  if (!row) throw notFound("No such program");
  return row;
}

export function listPrograms(db: Db, q: { limit: number; cursor?: string; state?: "active" | "archived" }) {
  return newestFirst(db, referralPrograms, q, q.state ? eq(referralPrograms.state, q.state) : undefined);
}

export async function updateProgram(
  db: Db,
  id: string,
  patch: z.infer<typeof ProgramPatch>,
  now = Date.now(),
): Promise<Program> {
  const current = await getProgramOrThrow(db, id);
  if (!changesOf(patch)) return current;
  const hosts = patch.allowedHosts ?? current.allowedHosts;
  const defaultDestination = defaultDestinationOrThrow(patch.defaultDestination ?? current.defaultDestination, hosts);
  const [row] = await db
    .update(referralPrograms)
    .set({ ...patch, defaultDestination, updatedAt: now })
    .where(eq(referralPrograms.id, id))
    .returning();
  return row;
}
