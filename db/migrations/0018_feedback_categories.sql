CREATE TABLE `feedback_categories` (
	`id` text PRIMARY KEY NOT NULL,
	`board_id` text NOT NULL,
	`name` text NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`board_id`) REFERENCES `feedback_boards`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `feedback_categories_board_name_uq` ON `feedback_categories` (`board_id`,lower("name"));--> statement-breakpoint
CREATE INDEX `feedback_categories_board_idx` ON `feedback_categories` (`board_id`,`position`);--> statement-breakpoint
ALTER TABLE `feedback_posts` ADD `category_id` text;--> statement-breakpoint
CREATE INDEX `feedback_posts_category_idx` ON `feedback_posts` (`category_id`);