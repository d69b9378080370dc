CREATE TABLE `status_component_changes` (
	`id` text PRIMARY KEY NOT NULL,
	`component_id` text NOT NULL,
	`status` text NOT NULL,
	`at` integer NOT NULL,
	`source` text DEFAULT 'manual' NOT NULL,
	`incident_id` text
);
--> statement-breakpoint
CREATE INDEX `status_component_changes_component_at_idx` ON `status_component_changes` (`component_id`,`at`);--> statement-breakpoint
CREATE TABLE `status_components` (
	`id` text PRIMARY KEY NOT NULL,
	`page_id` text NOT NULL,
	`group_id` text,
	`name` text NOT NULL,
	`description` text,
	`position` integer DEFAULT 0 NOT NULL,
	`status` text DEFAULT 'operational' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `status_components_page_idx` ON `status_components` (`page_id`,`position`);--> statement-breakpoint
CREATE INDEX `status_components_group_idx` ON `status_components` (`group_id`);--> statement-breakpoint
CREATE TABLE `status_groups` (
	`id` text PRIMARY KEY NOT NULL,
	`page_id` text NOT NULL,
	`name` text NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `status_groups_page_idx` ON `status_groups` (`page_id`,`position`);--> statement-breakpoint
CREATE TABLE `status_incident_components` (
	`incident_id` text NOT NULL,
	`component_id` text NOT NULL,
	`status` text NOT NULL,
	PRIMARY KEY(`incident_id`, `component_id`)
);
--> statement-breakpoint
CREATE INDEX `status_incident_components_component_idx` ON `status_incident_components` (`component_id`);--> statement-breakpoint
CREATE TABLE `status_incident_updates` (
	`id` text PRIMARY KEY NOT NULL,
	`incident_id` text NOT NULL,
	`status` text NOT NULL,
	`body` text NOT NULL,
	`affected_components` text DEFAULT '[]' NOT NULL,
	`display_at` integer NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `status_incident_updates_incident_idx` ON `status_incident_updates` (`incident_id`,`display_at`);--> statement-breakpoint
CREATE TABLE `status_incidents` (
	`id` text PRIMARY KEY NOT NULL,
	`page_id` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`impact` text DEFAULT 'none' NOT NULL,
	`started_at` integer NOT NULL,
	`monitoring_at` integer,
	`resolved_at` integer,
	`scheduled_for` integer,
	`scheduled_until` integer,
	`auto_transition` integer DEFAULT true NOT NULL,
	`postmortem_body` text,
	`postmortem_published_at` integer,
	`monitor_id` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `status_incidents_page_idx` ON `status_incidents` (`page_id`,`kind`,`resolved_at`);--> statement-breakpoint
CREATE INDEX `status_incidents_open_idx` ON `status_incidents` (`resolved_at`,`impact`);--> statement-breakpoint
CREATE INDEX `status_incidents_window_idx` ON `status_incidents` (`kind`,`status`,`scheduled_for`);--> statement-breakpoint
CREATE TABLE `status_monitor_results` (
	`id` text PRIMARY KEY NOT NULL,
	`monitor_id` text NOT NULL,
	`run_at` integer NOT NULL,
	`ok` integer NOT NULL,
	`status_code` integer,
	`response_ms` integer,
	`error` text,
	`checked_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `status_monitor_results_run_uq` ON `status_monitor_results` (`monitor_id`,`run_at`);--> statement-breakpoint
CREATE TABLE `status_monitors` (
	`id` text PRIMARY KEY NOT NULL,
	`component_id` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`url` text,
	`method` text DEFAULT 'GET' NOT NULL,
	`expected_status_min` integer DEFAULT 200 NOT NULL,
	`expected_status_max` integer DEFAULT 299 NOT NULL,
	`keyword` text,
	`timeout_ms` integer DEFAULT 10000 NOT NULL,
	`interval_minutes` integer DEFAULT 1 NOT NULL,
	`period_seconds` integer,
	`token_hash` text,
	`failure_threshold` integer DEFAULT 3 NOT NULL,
	`failure_status` text DEFAULT 'major_outage' NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`next_run_at` integer DEFAULT 0 NOT NULL,
	`consecutive_failures` integer DEFAULT 0 NOT NULL,
	`last_checked_at` integer,
	`last_ok` integer,
	`last_beat_at` integer,
	`open_incident_id` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `status_monitors_due_idx` ON `status_monitors` (`enabled`,`kind`,`next_run_at`);--> statement-breakpoint
CREATE INDEX `status_monitors_component_idx` ON `status_monitors` (`component_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `status_monitors_token_uq` ON `status_monitors` (`token_hash`);--> statement-breakpoint
CREATE TABLE `status_notices` (
	`id` text PRIMARY KEY NOT NULL,
	`page_id` text NOT NULL,
	`type` text NOT NULL,
	`component_ids` text DEFAULT '[]' NOT NULL,
	`subject` text NOT NULL,
	`text` text NOT NULL,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL,
	`fanned_out_at` integer
);
--> statement-breakpoint
CREATE INDEX `status_notices_pending_idx` ON `status_notices` (`fanned_out_at`,`created_at`);--> statement-breakpoint
CREATE TABLE `status_notifications` (
	`id` text PRIMARY KEY NOT NULL,
	`subscriber_id` text NOT NULL,
	`notice_id` text NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `status_notifications_uq` ON `status_notifications` (`subscriber_id`,`notice_id`);--> statement-breakpoint
CREATE INDEX `status_notifications_notice_idx` ON `status_notifications` (`notice_id`,`state`);--> statement-breakpoint
CREATE INDEX `status_notifications_state_idx` ON `status_notifications` (`state`,`updated_at`);--> statement-breakpoint
CREATE TABLE `status_pages` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`partial_weight` real DEFAULT 0.3 NOT NULL,
	`version` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `status_pages_slug_uq` ON `status_pages` (`slug`);--> statement-breakpoint
CREATE TABLE `status_subscribers` (
	`id` text PRIMARY KEY NOT NULL,
	`page_id` text NOT NULL,
	`kind` text NOT NULL,
	`contact_id` text,
	`url` text,
	`secret` text,
	`component_ids` text DEFAULT '[]' NOT NULL,
	`group_ids` text DEFAULT '[]' NOT NULL,
	`confirmed_at` integer,
	`unsubscribed_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `status_subscribers_page_idx` ON `status_subscribers` (`page_id`,`confirmed_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `status_subscribers_contact_uq` ON `status_subscribers` (`page_id`,`contact_id`);