DROP INDEX `referral_clicks_visitor_idx`;--> statement-breakpoint
CREATE INDEX `referral_clicks_hour_visitor_idx` ON `referral_clicks` ("at" / 3600000,`visitor_hash`);--> statement-breakpoint
CREATE INDEX `referral_clicks_own_visitor_idx` ON `referral_clicks` (`visitor_hash`) WHERE "referral_clicks"."by_referrer" = 1;