// What other capabilities and the platform may use of status. Nothing else is imported from outside.
import type { Db } from "../lib/db.ts";
import { eraseStatusStatements, exportStatusData } from "./store/gdpr.ts";
import { anyMajorIncident } from "./store/incidents.ts";

/** Whether any status page has an unresolved incident of impact major or critical (emails pause marketing then). */
export const hasMajorIncident = (db: Db): Promise<boolean> => anyMajorIncident(db);

/** A status page on its own host: noted before routing, routed, and its public JSON open to any site. */
export { notePageHost, publicStatusCors, routedPath } from "./hosts.ts";

/** Status' part of GDPR export and erase (the platform gathers every capability's part). */
export const statusGdpr = { exportFor: exportStatusData, eraseStatements: eraseStatusStatements };
