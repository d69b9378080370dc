CREATE TABLE `feedback_boards` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`visibility` text DEFAULT 'public' NOT NULL,
	`moderated` integer DEFAULT false NOT NULL,
	`version` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `feedback_boards_slug_uq` ON `feedback_boards` (`slug`);--> statement-breakpoint
CREATE TABLE `feedback_comments` (
	`id` text PRIMARY KEY NOT NULL,
	`post_id` text NOT NULL,
	`author_id` text,
	`team` integer DEFAULT false NOT NULL,
	`team_name` text,
	`body` text NOT NULL,
	`body_html` text NOT NULL,
	`moderation` text DEFAULT 'approved' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`post_id`) REFERENCES `feedback_posts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`author_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `feedback_comments_post_idx` ON `feedback_comments` (`post_id`,`moderation`,`created_at`);--> statement-breakpoint
CREATE INDEX `feedback_comments_moderation_idx` ON `feedback_comments` (`moderation`,`created_at`);--> statement-breakpoint
CREATE INDEX `feedback_comments_created_idx` ON `feedback_comments` (`created_at`);--> statement-breakpoint
CREATE TABLE `feedback_events` (
	`id` text PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`type` text NOT NULL,
	`post_id` text,
	`payload` text NOT NULL,
	`recipients` text DEFAULT '[]' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `feedback_events_key_uq` ON `feedback_events` (`key`);--> statement-breakpoint
CREATE INDEX `feedback_events_created_idx` ON `feedback_events` (`type`,`created_at`);--> statement-breakpoint
CREATE TABLE `feedback_job_runs` (
	`key` text PRIMARY KEY NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `feedback_job_runs_created_idx` ON `feedback_job_runs` (`created_at`);--> statement-breakpoint
CREATE TABLE `feedback_posts` (
	`id` text PRIMARY KEY NOT NULL,
	`board_id` text NOT NULL,
	`title` text NOT NULL,
	`body` text DEFAULT '' NOT NULL,
	`body_html` text DEFAULT '' NOT NULL,
	`author_id` text,
	`tags` text DEFAULT '[]' NOT NULL,
	`status` text DEFAULT 'under_review' NOT NULL,
	`impact` integer,
	`confidence` integer,
	`ease` integer,
	`ice_score` integer,
	`vote_count` integer DEFAULT 0 NOT NULL,
	`comment_count` integer DEFAULT 0 NOT NULL,
	`trending_score` real DEFAULT 0 NOT NULL,
	`merged_into_id` text,
	`moderation` text DEFAULT 'approved' NOT NULL,
	`flagged_at` integer,
	`status_changed_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`board_id`) REFERENCES `feedback_boards`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`author_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `feedback_posts_board_trending_idx` ON `feedback_posts` (`board_id`,`trending_score`);--> statement-breakpoint
CREATE INDEX `feedback_posts_board_votes_idx` ON `feedback_posts` (`board_id`,`vote_count`);--> statement-breakpoint
CREATE INDEX `feedback_posts_board_created_idx` ON `feedback_posts` (`board_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `feedback_posts_status_idx` ON `feedback_posts` (`status`,`status_changed_at`);--> statement-breakpoint
CREATE INDEX `feedback_posts_moderation_idx` ON `feedback_posts` (`moderation`,`created_at`);--> statement-breakpoint
CREATE INDEX `feedback_posts_author_idx` ON `feedback_posts` (`author_id`);--> statement-breakpoint
CREATE INDEX `feedback_posts_merged_into_idx` ON `feedback_posts` (`merged_into_id`);--> statement-breakpoint
CREATE TABLE `feedback_status_changes` (
	`id` text PRIMARY KEY NOT NULL,
	`post_id` text NOT NULL,
	`from_status` text,
	`to_status` text NOT NULL,
	`actor` text NOT NULL,
	`comment` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`post_id`) REFERENCES `feedback_posts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `feedback_status_changes_post_idx` ON `feedback_status_changes` (`post_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `feedback_status_changes_to_idx` ON `feedback_status_changes` (`to_status`,`created_at`);--> statement-breakpoint
CREATE INDEX `feedback_status_changes_created_idx` ON `feedback_status_changes` (`created_at`);--> statement-breakpoint
CREATE TABLE `feedback_votes` (
	`id` text PRIMARY KEY NOT NULL,
	`post_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`state` text DEFAULT 'counted' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`post_id`) REFERENCES `feedback_posts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `feedback_votes_post_contact_uq` ON `feedback_votes` (`post_id`,`contact_id`);--> statement-breakpoint
CREATE INDEX `feedback_votes_post_state_idx` ON `feedback_votes` (`post_id`,`state`,`created_at`);--> statement-breakpoint
CREATE INDEX `feedback_votes_contact_idx` ON `feedback_votes` (`contact_id`);--> statement-breakpoint
CREATE INDEX `feedback_votes_created_idx` ON `feedback_votes` (`created_at`);