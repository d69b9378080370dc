CREATE TABLE `referral_attributions` (
	`id` text PRIMARY KEY NOT NULL,
	`program_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`referrer_id` text,
	`link_id` text NOT NULL,
	`click_id` text,
	`visitor_hash` text,
	`utm_source` text,
	`signed_up_at` integer NOT NULL,
	`qualified_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `referral_attributions_program_customer_uq` ON `referral_attributions` (`program_id`,`customer_id`);--> statement-breakpoint
CREATE INDEX `referral_attributions_referrer_idx` ON `referral_attributions` (`referrer_id`,`signed_up_at`);--> statement-breakpoint
CREATE INDEX `referral_attributions_program_idx` ON `referral_attributions` (`program_id`,`signed_up_at`);--> statement-breakpoint
CREATE INDEX `referral_attributions_qualified_idx` ON `referral_attributions` (`program_id`,`qualified_at`);--> statement-breakpoint
CREATE INDEX `referral_attributions_visitor_idx` ON `referral_attributions` (`visitor_hash`,`signed_up_at`);--> statement-breakpoint
CREATE TABLE `referral_clicks` (
	`id` text PRIMARY KEY NOT NULL,
	`link_id` text NOT NULL,
	`program_id` text NOT NULL,
	`referrer_id` text,
	`at` integer NOT NULL,
	`country` text,
	`city` text,
	`device` text NOT NULL,
	`referrer_host` text,
	`utm_source` text,
	`utm_medium` text,
	`utm_campaign` text,
	`visitor_hash` text NOT NULL,
	`duplicate` integer DEFAULT false NOT NULL,
	`by_referrer` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE INDEX `referral_clicks_program_at_idx` ON `referral_clicks` (`program_id`,`at`);--> statement-breakpoint
CREATE INDEX `referral_clicks_visitor_idx` ON `referral_clicks` (`visitor_hash`,`at`);--> statement-breakpoint
CREATE INDEX `referral_clicks_referrer_idx` ON `referral_clicks` (`referrer_id`,`duplicate`,`at`);--> statement-breakpoint
CREATE TABLE `referral_conversions` (
	`id` text PRIMARY KEY NOT NULL,
	`program_id` text,
	`attribution_id` text,
	`customer_id` text NOT NULL,
	`event` text NOT NULL,
	`amount` integer,
	`currency` text,
	`occurred_at` integer NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `referral_conversions_program_idx` ON `referral_conversions` (`program_id`,`id`);--> statement-breakpoint
CREATE INDEX `referral_conversions_customer_idx` ON `referral_conversions` (`customer_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `referral_conversions_attribution_idx` ON `referral_conversions` (`attribution_id`);--> statement-breakpoint
CREATE TABLE `referral_links` (
	`id` text PRIMARY KEY NOT NULL,
	`program_id` text NOT NULL,
	`kind` text NOT NULL,
	`code` text NOT NULL,
	`referrer_id` text,
	`name` text,
	`destination` text,
	`utm` text DEFAULT '{}' NOT NULL,
	`disabled_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`program_id`) REFERENCES `referral_programs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`referrer_id`) REFERENCES `referral_referrers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `referral_links_code_uq` ON `referral_links` (`code`);--> statement-breakpoint
CREATE UNIQUE INDEX `referral_links_referrer_uq` ON `referral_links` (`referrer_id`);--> statement-breakpoint
CREATE INDEX `referral_links_program_idx` ON `referral_links` (`program_id`,`id`);--> statement-breakpoint
CREATE TABLE `referral_programs` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`allowed_hosts` text NOT NULL,
	`default_destination` text NOT NULL,
	`window_days` integer DEFAULT 90 NOT NULL,
	`attribution_model` text DEFAULT 'last_click' NOT NULL,
	`reward_policy` text NOT NULL,
	`qualifying_event` text NOT NULL,
	`state` text DEFAULT 'active' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `referral_referrers` (
	`id` text PRIMARY KEY NOT NULL,
	`program_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`program_id`) REFERENCES `referral_programs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `referral_referrers_program_contact_uq` ON `referral_referrers` (`program_id`,`contact_id`);--> statement-breakpoint
CREATE INDEX `referral_referrers_contact_idx` ON `referral_referrers` (`contact_id`);--> statement-breakpoint
CREATE TABLE `referral_reward_events` (
	`id` text PRIMARY KEY NOT NULL,
	`reward_id` text NOT NULL,
	`from_state` text,
	`to_state` text NOT NULL,
	`reason` text,
	`actor` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `referral_reward_events_reward_idx` ON `referral_reward_events` (`reward_id`,`at`);--> statement-breakpoint
CREATE TABLE `referral_rewards` (
	`id` text PRIMARY KEY NOT NULL,
	`program_id` text NOT NULL,
	`attribution_id` text NOT NULL,
	`referrer_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`side` text NOT NULL,
	`tier` integer,
	`reward` text NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`flags` text DEFAULT '[]' NOT NULL,
	`hold_reason` text,
	`clears_at` integer,
	`reversed_reason` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `referral_rewards_attribution_side_uq` ON `referral_rewards` (`attribution_id`,`side`);--> statement-breakpoint
CREATE INDEX `referral_rewards_program_state_idx` ON `referral_rewards` (`program_id`,`state`,`id`);--> statement-breakpoint
CREATE INDEX `referral_rewards_referrer_idx` ON `referral_rewards` (`referrer_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `referral_rewards_clears_idx` ON `referral_rewards` (`state`,`clears_at`);