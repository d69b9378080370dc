// The feedback router: the admin API (scope `feedback`), the visitors' JSON API and the public pages.
import { newRouter } from "../../lib/openapi.ts";
import { adminBoardRoutes } from "./admin-boards.ts";
import { adminLoopRoutes } from "./admin-loop.ts";
import { adminModerationRoutes } from "./admin-moderation.ts";
import { adminPostRoutes } from "./admin-posts.ts";
import { publicApiRoutes } from "./public-api.ts";
import { publicPageRoutes } from "./public-pages.ts";

export const feedbackRoutes = newRouter();
feedbackRoutes.route("/", adminBoardRoutes);
feedbackRoutes.route("/", adminPostRoutes);
feedbackRoutes.route("/", adminModerationRoutes);
feedbackRoutes.route("/", adminLoopRoutes);
feedbackRoutes.route("/", publicApiRoutes);
feedbackRoutes.route("/", publicPageRoutes);
