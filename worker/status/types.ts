// The rows of status's tables as the rest of the capability sees them (types only).
import type {
  ComponentStatus,
  IMPACTS,
  statusComponentChanges,
  statusComponents,
  statusGroups,
  statusIncidents,
  statusIncidentUpdates,
  statusMonitors,
  statusNotices,
  statusPages,
  statusSubscribers,
} from "../../db/schema/index.ts";

export type Page = typeof statusPages.$inferSelect;
export type Group = typeof statusGroups.$inferSelect;
export type Component = typeof statusComponents.$inferSelect;

export type Incident = typeof statusIncidents.$inferSelect;
export type IncidentUpdate = typeof statusIncidentUpdates.$inferSelect;
export type Impact = (typeof IMPACTS)[number];
/** An incident or maintenance with its components and its updates (newest first, as Statuspage lists them). */
export type IncidentView = Incident & {
  components: Array<{ id: string; status: ComponentStatus }>;
  updates: IncidentUpdate[];
};
/** A component and the status it has from an update on. */
export type ComponentTarget = { id: string; status: ComponentStatus };

export type StatusChange = { component: Component; to: ComponentStatus };
export type ChangeSource = (typeof statusComponentChanges.$inferInsert)["source"];

export type Monitor = typeof statusMonitors.$inferSelect;
export type NewMonitor = typeof statusMonitors.$inferInsert;

export type Subscriber = typeof statusSubscribers.$inferSelect;
/** What subscribers will be told of a change. */
export type Notice = Omit<typeof statusNotices.$inferInsert, "id" | "createdAt" | "fannedOutAt">;
