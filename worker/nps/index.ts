// What other capabilities and the platform may use of nps. Nothing else is imported from outside.
import { eraseNpsStatements, exportNpsData } from "./store/gdpr.ts";

/** Signed one-click NPS links (scores 0-10) for an email to a contact: for emails' templates. */
export { npsLinks } from "./links.ts";
/** Every NPS score (0-10) given in `[from, to)`, any survey and channel: what the NPS KPI is computed from. */
export { npsScores } from "./store/responses.ts";

/** NPS' part of GDPR export and erase (the platform gathers every capability's part). */
export const npsGdpr = { exportFor: exportNpsData, eraseStatements: eraseNpsStatements };
