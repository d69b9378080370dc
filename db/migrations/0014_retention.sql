CREATE TABLE `retention_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`pruned` text DEFAULT '{}' NOT NULL,
	`archived` text DEFAULT '{}' NOT NULL,
	`error` text
);
--> statement-breakpoint
CREATE TABLE `retention_state` (
	`name` text PRIMARY KEY NOT NULL,
	`boundary` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `email_message_days` (
	`trigger_id` text NOT NULL,
	`template_id` text NOT NULL,
	`day` integer NOT NULL,
	`messages` integer DEFAULT 0 NOT NULL,
	`below_confidence` integer DEFAULT 0 NOT NULL,
	`no_consent` integer DEFAULT 0 NOT NULL,
	`capped` integer DEFAULT 0 NOT NULL,
	`other_skipped` integer DEFAULT 0 NOT NULL,
	`sent` integer DEFAULT 0 NOT NULL,
	`opened` integer DEFAULT 0 NOT NULL,
	`clicked` integer DEFAULT 0 NOT NULL,
	`unsubscribed` integer DEFAULT 0 NOT NULL,
	`converted` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`trigger_id`, `template_id`, `day`)
);
--> statement-breakpoint
CREATE INDEX `email_message_days_template_idx` ON `email_message_days` (`template_id`,`day`);--> statement-breakpoint
CREATE TABLE `referral_link_days` (
	`link_id` text NOT NULL,
	`day` integer NOT NULL,
	`program_id` text NOT NULL,
	`referrer_id` text,
	`clicks` integer NOT NULL,
	`visitors` integer NOT NULL,
	PRIMARY KEY(`link_id`, `day`)
);
--> statement-breakpoint
CREATE INDEX `referral_link_days_referrer_idx` ON `referral_link_days` (`referrer_id`,`day`);--> statement-breakpoint
CREATE TABLE `referral_program_days` (
	`program_id` text NOT NULL,
	`day` integer NOT NULL,
	`clicks` integer NOT NULL,
	`visitors` integer NOT NULL,
	PRIMARY KEY(`program_id`, `day`)
);
--> statement-breakpoint
CREATE TABLE `referral_source_days` (
	`program_id` text NOT NULL,
	`day` integer NOT NULL,
	`source` text NOT NULL,
	`clicks` integer NOT NULL,
	`visitors` integer NOT NULL,
	PRIMARY KEY(`program_id`, `day`, `source`)
);
--> statement-breakpoint
CREATE INDEX `email_messages_body_idx` ON `email_messages` (`id`) WHERE "email_messages"."html" is not null or "email_messages"."text" is not null or "email_messages"."headers" is not null or "email_messages"."context" is not null;