// What other capabilities and the platform may use of status. Nothing else is imported from outside.
import { eraseStatusStatements, exportStatusData } from "./store/gdpr.ts";

/** A status page on its own host: noted before routing, routed, and its public JSON open to any site. */
export { notePageHost, publicStatusCors, routedPath } from "./hosts.ts";

/** Status' part of GDPR export and erase (the platform gathers every capability's part). */
export const statusGdpr = { exportFor: exportStatusData, eraseStatements: eraseStatusStatements };
