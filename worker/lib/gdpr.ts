// GDPR across the graph: each capability's contract hands the platform its section of a contact's
// export and the statements that erase the person from its tables; the platform runs every
// capability's statements in one batch (one transaction) and reports what each one changed.
import type { SQL } from "drizzle-orm";
import type { Db } from "./db.ts";

/** One statement of an erase, and the report entry its changed rows add to (none: not reported). */
export type EraseStep = { count?: string; statement: SQL | { toSQL(): { sql: string; params: unknown[] } } };

export type EraseContext = {
  now: number;
  /**
   * The anonymous contact that rows kept for counts and accounting (votes, NPS scores, rewards)
   * move to: a fresh id, never the erased one, with nothing personal on it.
   */
  opaqueId: string;
};

export type Erasure = {
  steps: EraseStep[];
  /** Whether some steps move rows to the opaque contact, which must then exist. */
  keepsRows: boolean;
  /** What the R2 archive may hold of the person besides the contact id (addresses, other ids). */
  needles: string[];
  /** The earliest time archived rows of the person may be from. */
  since?: number;
};

/** What a capability's contract offers for GDPR: its section of the export, and its erase. */
export type GdprPart<Section> = {
  exportFor(db: Db, contactId: string): Promise<Section>;
  eraseStatements(db: Db, contactId: string, ctx: EraseContext): Promise<Erasure>;
};
