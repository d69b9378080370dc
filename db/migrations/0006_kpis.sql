CREATE TABLE `kpi_alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`kpi` text NOT NULL,
	`quarter` text NOT NULL,
	`day` integer NOT NULL,
	`recipient` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `kpi_alerts_kpi_quarter_day_uq` ON `kpi_alerts` (`kpi`,`quarter`,`day`);--> statement-breakpoint
CREATE TABLE `kpi_settings` (
	`id` text PRIMARY KEY NOT NULL,
	`settings` text NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `kpi_snapshots` (
	`kpi` text NOT NULL,
	`day` integer NOT NULL,
	`value` real,
	`inputs` text NOT NULL,
	`status` text,
	`computed_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `kpi_snapshots_kpi_day_uq` ON `kpi_snapshots` (`kpi`,`day`);--> statement-breakpoint
CREATE INDEX `kpi_snapshots_day_idx` ON `kpi_snapshots` (`day`);--> statement-breakpoint
CREATE TABLE `kpi_targets` (
	`id` text PRIMARY KEY NOT NULL,
	`kpi` text NOT NULL,
	`quarter` text NOT NULL,
	`start_value` real NOT NULL,
	`target` real NOT NULL,
	`direction` text NOT NULL,
	`owner_contact_id` text,
	`owner_email` text,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`owner_contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `kpi_targets_kpi_quarter_uq` ON `kpi_targets` (`kpi`,`quarter`);--> statement-breakpoint
CREATE TABLE `marketing_spend` (
	`id` text PRIMARY KEY NOT NULL,
	`quarter` text NOT NULL,
	`channel` text NOT NULL,
	`amount` real NOT NULL,
	`note` text,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `marketing_spend_quarter_channel_uq` ON `marketing_spend` (`quarter`,`channel`);--> statement-breakpoint
CREATE TABLE `nps_invitations` (
	`survey_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`sent_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`survey_id`) REFERENCES `nps_surveys`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `nps_invitations_survey_contact_uq` ON `nps_invitations` (`survey_id`,`contact_id`);--> statement-breakpoint
CREATE TABLE `nps_responses` (
	`id` text PRIMARY KEY NOT NULL,
	`survey_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`score` integer NOT NULL,
	`comment` text,
	`channel` text NOT NULL,
	`responded_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`survey_id`) REFERENCES `nps_surveys`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `nps_responses_survey_contact_uq` ON `nps_responses` (`survey_id`,`contact_id`);--> statement-breakpoint
CREATE INDEX `nps_responses_responded_idx` ON `nps_responses` (`responded_at`);--> statement-breakpoint
CREATE TABLE `nps_surveys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`question` text NOT NULL,
	`closed_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `pillar_audits` (
	`quarter` text NOT NULL,
	`pillar` text NOT NULL,
	`score` integer NOT NULL,
	`note` text,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pillar_audits_quarter_pillar_uq` ON `pillar_audits` (`quarter`,`pillar`);