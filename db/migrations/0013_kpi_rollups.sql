CREATE TABLE `contact_event_daily` (
	`contact_id` text NOT NULL,
	`event` text NOT NULL,
	`day` integer NOT NULL,
	`count` integer NOT NULL,
	`amount` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`contact_id`, `event`, `day`),
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `contact_event_daily_day_idx` ON `contact_event_daily` (`day`,`event`,`contact_id`);--> statement-breakpoint
CREATE TABLE `email_engagement_daily` (
	`day` integer PRIMARY KEY NOT NULL,
	`sent` integer DEFAULT 0 NOT NULL,
	`opened` integer DEFAULT 0 NOT NULL,
	`clicked` integer DEFAULT 0 NOT NULL,
	`unsubscribed` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `rollup_backfills` (
	`rollup` text PRIMARY KEY NOT NULL,
	`next_day` integer NOT NULL,
	`end_day` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `contacts_first_seen_idx` ON `contacts` (`first_seen_at`);