CREATE TABLE `marketing_pauses` (
	`incident_id` text PRIMARY KEY NOT NULL,
	`incident_name` text NOT NULL,
	`page_id` text NOT NULL,
	`page_name` text NOT NULL,
	`period_id` text NOT NULL,
	`paused_at` integer NOT NULL,
	`resumed_at` integer,
	`resumed_by` text
);
--> statement-breakpoint
CREATE INDEX `marketing_pauses_open_idx` ON `marketing_pauses` (`resumed_at`,`paused_at`);--> statement-breakpoint
ALTER TABLE `status_pages` ADD `pauses_marketing` integer DEFAULT false NOT NULL;