CREATE TABLE `email_bodies` (
	`message_id` text PRIMARY KEY NOT NULL,
	`html` text,
	`text` text,
	`headers` text,
	`context` text,
	FOREIGN KEY (`message_id`) REFERENCES `email_messages`(`id`) ON UPDATE no action ON DELETE cascade
);
