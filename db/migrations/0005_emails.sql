CREATE TABLE `contact_activity_days` (
	`contact_id` text NOT NULL,
	`day` integer NOT NULL,
	`events` integer NOT NULL,
	PRIMARY KEY(`contact_id`, `day`),
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `contact_event_stats` (
	`contact_id` text NOT NULL,
	`event` text NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	`first_at` integer NOT NULL,
	`last_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`contact_id`, `event`),
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `contact_event_stats_updated_idx` ON `contact_event_stats` (`event`,`updated_at`);--> statement-breakpoint
CREATE INDEX `contact_event_stats_last_idx` ON `contact_event_stats` (`event`,`last_at`);--> statement-breakpoint
CREATE TABLE `email_events` (
	`id` text PRIMARY KEY NOT NULL,
	`message_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`event` text NOT NULL,
	`properties` text DEFAULT '{}' NOT NULL,
	`occurred_at` integer NOT NULL,
	`received_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`batch_id` text NOT NULL,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `email_events_message_id_uq` ON `email_events` (`message_id`);--> statement-breakpoint
CREATE INDEX `email_events_batch_idx` ON `email_events` (`batch_id`);--> statement-breakpoint
CREATE INDEX `email_events_occurred_idx` ON `email_events` (`occurred_at`);--> statement-breakpoint
CREATE INDEX `email_events_contact_idx` ON `email_events` (`contact_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `email_events_event_idx` ON `email_events` (`event`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `email_links` (
	`id` text PRIMARY KEY NOT NULL,
	`message_id` text NOT NULL,
	`url` text NOT NULL,
	FOREIGN KEY (`message_id`) REFERENCES `email_messages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `email_links_message_idx` ON `email_links` (`message_id`);--> statement-breakpoint
CREATE TABLE `email_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`idempotency_key` text NOT NULL,
	`contact_id` text,
	`trigger_id` text,
	`template_id` text,
	`topic` text NOT NULL,
	`to_address` text,
	`subject` text,
	`html` text,
	`text` text,
	`headers` text,
	`context` text,
	`state` text DEFAULT 'queued' NOT NULL,
	`skip_reason` text,
	`defer_reason` text,
	`was_capped` integer DEFAULT false NOT NULL,
	`confidence` real,
	`attempts` integer DEFAULT 0 NOT NULL,
	`send_after` integer NOT NULL,
	`provider` text,
	`provider_message_id` text,
	`last_error` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`claimed_at` integer,
	`sent_at` integer,
	`opened_at` integer,
	`clicked_at` integer,
	`opens` integer DEFAULT 0 NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`unsubscribed_at` integer,
	`converted_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `email_messages_idempotency_uq` ON `email_messages` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `email_messages_due_idx` ON `email_messages` (`state`,`send_after`);--> statement-breakpoint
CREATE INDEX `email_messages_contact_idx` ON `email_messages` (`contact_id`,`sent_at`);--> statement-breakpoint
CREATE INDEX `email_messages_trigger_idx` ON `email_messages` (`trigger_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `email_messages_sent_idx` ON `email_messages` (`sent_at`);--> statement-breakpoint
CREATE TABLE `email_profiles` (
	`contact_id` text PRIMARY KEY NOT NULL,
	`consent_marketing` integer,
	`consent_product_updates` integer,
	`consent_status_notifications` integer,
	`unsubscribed_at` integer,
	`first_event_at` integer,
	`last_event_at` integer,
	`event_count` integer DEFAULT 0 NOT NULL,
	`traits_updated_at` integer,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `email_profiles_last_event_idx` ON `email_profiles` (`last_event_at`);--> statement-breakpoint
CREATE INDEX `email_profiles_traits_updated_idx` ON `email_profiles` (`traits_updated_at`);--> statement-breakpoint
CREATE TABLE `email_suppressions` (
	`email_hash` text PRIMARY KEY NOT NULL,
	`reason` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `email_templates` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`subject` text NOT NULL,
	`html` text NOT NULL,
	`text` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `email_triggers` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`rule` text NOT NULL,
	`template_id` text NOT NULL,
	`topic` text DEFAULT 'marketing' NOT NULL,
	`min_confidence` real DEFAULT 0.7 NOT NULL,
	`watermark` integer NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`template_id`) REFERENCES `email_templates`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `email_triggers_enabled_idx` ON `email_triggers` (`enabled`);