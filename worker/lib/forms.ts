import type { Context } from "hono";
import type { BodyData, ParseBodyOptions } from "hono/utils/body";
import { Problem } from "./problem.ts";

/**
 * The fields of a submitted HTML form (`multipart/form-data` or urlencoded; any other body reads
 * as no fields). A body that does not parse as the form it claims to be is a 400, never a 500.
 */
export async function readForm<O extends Partial<ParseBodyOptions> = Record<never, never>>(
  c: Context,
  options?: O,
): Promise<BodyData<O>> {
  try {
    return await c.req.parseBody<O, BodyData<O>>(options);
  } catch {
    throw new Problem(400, "malformed-body", "The form could not be read");
  }
}
