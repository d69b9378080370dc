// Status's router: the admin API, the heartbeat URL, subscribing, and the public pages.
import { newRouter } from "../../lib/openapi.ts";
import { adminIncidents } from "./admin-incidents.ts";
import { adminMonitors } from "./admin-monitors.ts";
import { adminPages } from "./admin-pages.ts";
import { adminSubscribers } from "./admin-subscribers.ts";
import { publicRoutes } from "./public.ts";
import { publicHeartbeat } from "./public-heartbeat.ts";
import { publicSubscribe } from "./public-subscribe.ts";

export const statusRoutes = newRouter();
// Registration order is matching order: the heartbeat URL before the page routes under `/status/{page}`.
statusRoutes.route("/", adminPages);
statusRoutes.route("/", adminIncidents);
statusRoutes.route("/", adminMonitors);
statusRoutes.route("/", publicHeartbeat);
statusRoutes.route("/", publicSubscribe);
statusRoutes.route("/", adminSubscribers);
statusRoutes.route("/", publicRoutes);
