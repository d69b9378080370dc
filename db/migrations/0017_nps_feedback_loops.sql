CREATE TABLE `feedback_notices_told` (
	`event_key` text NOT NULL,
	`post_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`told_at` integer NOT NULL,
	PRIMARY KEY(`event_key`, `contact_id`),
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `feedback_notices_told_post_idx` ON `feedback_notices_told` (`post_id`);--> statement-breakpoint
CREATE TABLE `nps_followups` (
	`id` text PRIMARY KEY NOT NULL,
	`response_id` text NOT NULL,
	`survey_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`score` integer NOT NULL,
	`created_at` integer NOT NULL,
	`done_at` integer,
	FOREIGN KEY (`response_id`) REFERENCES `nps_responses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`survey_id`) REFERENCES `nps_surveys`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `nps_followups_response_uq` ON `nps_followups` (`response_id`);--> statement-breakpoint
CREATE INDEX `nps_followups_open_idx` ON `nps_followups` (`done_at`,`id`);--> statement-breakpoint
CREATE TABLE `nps_promoter_invites` (
	`program_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`survey_id` text NOT NULL,
	`referrer_id` text NOT NULL,
	`invited_at` integer NOT NULL,
	PRIMARY KEY(`program_id`, `contact_id`),
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`survey_id`) REFERENCES `nps_surveys`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `nps_promoter_invites_survey_idx` ON `nps_promoter_invites` (`survey_id`);--> statement-breakpoint
ALTER TABLE `nps_surveys` ADD `promoter_program_id` text;