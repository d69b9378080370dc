-- The oldest status page is the primary one: its major incidents pause marketing email; other pages' do not.
UPDATE `status_pages` SET `pauses_marketing` = 1 WHERE `id` = (SELECT `id` FROM `status_pages` ORDER BY `created_at`, `id` LIMIT 1);
