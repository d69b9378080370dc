ALTER TABLE `status_pages` ADD `domain` text;--> statement-breakpoint
CREATE UNIQUE INDEX `status_pages_domain_uq` ON `status_pages` (`domain`);