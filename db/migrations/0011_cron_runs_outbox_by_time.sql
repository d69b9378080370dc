CREATE TABLE `cron_runs` (
	`scheduled_at` integer PRIMARY KEY NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer NOT NULL,
	`enqueued` integer NOT NULL,
	`by_kind` text NOT NULL,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `email_messages_created_idx` ON `email_messages` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `email_messages_state_created_idx` ON `email_messages` (`state`,`created_at`,`id`);