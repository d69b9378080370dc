// The router of emails: the Segment API, the admin API, the links in emails and providers' webhooks.
import { newRouter } from "../../lib/openapi.ts";
import { contactRoutes } from "./admin-contacts.ts";
import { outboxRoutes } from "./admin-outbox.ts";
import { pauseRoutes } from "./admin-pause.ts";
import { templateRoutes } from "./admin-templates.ts";
import { triggerRoutes } from "./admin-triggers.ts";
import { ingestRoutes } from "./ingest.ts";
import { providerRoutes } from "./providers.ts";
import { publicRoutes } from "./public.ts";

export const emailsRoutes = newRouter();

emailsRoutes.route("/", ingestRoutes);
emailsRoutes.route("/", templateRoutes);
emailsRoutes.route("/", triggerRoutes);
emailsRoutes.route("/", contactRoutes);
emailsRoutes.route("/", outboxRoutes);
emailsRoutes.route("/", pauseRoutes);
emailsRoutes.route("/", publicRoutes);
emailsRoutes.route("/", providerRoutes);
