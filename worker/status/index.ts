// What other capabilities and the platform may use of status. Nothing else is imported from outside.
/** A status page on its own host: noted before routing, routed, and its public JSON open to any site. */
export { notePageHost, publicStatusCors, routedPath } from "./hosts.ts";
