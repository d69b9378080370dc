// The kpis router: the report, what marketers set (settings, targets, spend, audits), then snapshots.
import { newRouter } from "../../lib/openapi.ts";
import { planningAdmin } from "./admin-planning.ts";
import { reportAdmin } from "./admin-report.ts";
import { snapshotsAdmin } from "./admin-snapshots.ts";

export const kpisRoutes = newRouter();
kpisRoutes.route("/", reportAdmin);
kpisRoutes.route("/", planningAdmin);
kpisRoutes.route("/", snapshotsAdmin);
