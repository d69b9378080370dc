-- Bodies move to email_bodies before the columns go (0021).
INSERT INTO `email_bodies` (`message_id`, `html`, `text`, `headers`, `context`)
SELECT `id`, `html`, `text`, `headers`, `context` FROM `email_messages`
WHERE `html` IS NOT NULL OR `text` IS NOT NULL OR `headers` IS NOT NULL OR `context` IS NOT NULL;
