DROP INDEX `email_messages_body_idx`;--> statement-breakpoint
ALTER TABLE `email_messages` DROP COLUMN `html`;--> statement-breakpoint
ALTER TABLE `email_messages` DROP COLUMN `text`;--> statement-breakpoint
ALTER TABLE `email_messages` DROP COLUMN `headers`;--> statement-breakpoint
ALTER TABLE `email_messages` DROP COLUMN `context`;