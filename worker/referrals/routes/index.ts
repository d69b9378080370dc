// The referrals router: what visitors reach, then the admin API.
import { newRouter } from "../../lib/openapi.ts";
import { conversionRoutes } from "./admin-conversions.ts";
import { payoutRoutes } from "./admin-payouts.ts";
import { programRoutes } from "./admin-programs.ts";
import { publicRoutes } from "./public.ts";

export const referralsRoutes = newRouter()
  .route("/", publicRoutes)
  .route("/", programRoutes)
  .route("/", payoutRoutes)
  .route("/", conversionRoutes);
