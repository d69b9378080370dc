// The nps router: the console's operations, then what visitors reach.
import { newRouter } from "../../lib/openapi.ts";
import { npsAdmin } from "./admin.ts";
import { npsPublic } from "./public.ts";

export const npsRoutes = newRouter();
npsRoutes.route("/", npsAdmin);
npsRoutes.route("/", npsPublic);
