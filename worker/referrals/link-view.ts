/** What the API shows of a link: its shareable URL, where it sends people now, and whether its destination is allowed. */
import type { referralLinks, referralPrograms } from "../../db/schema/index.ts";
import { allowedDestination, currentDestination } from "./destinations.ts";

export type Link = typeof referralLinks.$inferSelect;

type LinkProgram = Pick<typeof referralPrograms.$inferSelect, "defaultDestination" | "allowedHosts" | "state">;

export const linkUrl = (publicUrl: string, code: string) => `${publicUrl.replace(/\/$/, "")}/r/${code}`;

/** A link as the API shows it, with where it sends people now and whether its destination is still allowed. */
export function linkView(link: Link, publicUrl: string, program: LinkProgram) {
  const to = currentDestination(link.destination, program);
  return {
    ...link,
    url: linkUrl(publicUrl, link.code),
    destinationAllowed:
      allowedDestination(link.destination ?? program.defaultDestination, program.allowedHosts) !== null,
    redirectsTo: link.disabledAt === null && program.state === "active" ? to : null,
  };
}
