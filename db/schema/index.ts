export * from "./core.ts";
export * from "./emails.ts";
export * from "./feedback.ts";
export * from "./kpis.ts";
export * from "./nps.ts";
export * from "./referrals.ts";
export * from "./status.ts";
