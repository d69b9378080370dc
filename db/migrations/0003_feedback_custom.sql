-- Full-text search over post titles and bodies (FTS5, external content), kept in sync by triggers.
CREATE VIRTUAL TABLE feedback_posts_fts USING fts5(title, body, content='feedback_posts', content_rowid='rowid', tokenize='porter unicode61');
--> statement-breakpoint
CREATE TRIGGER feedback_posts_fts_ai AFTER INSERT ON feedback_posts BEGIN
  INSERT INTO feedback_posts_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
END;
--> statement-breakpoint
CREATE TRIGGER feedback_posts_fts_ad AFTER DELETE ON feedback_posts BEGIN
  INSERT INTO feedback_posts_fts(feedback_posts_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
END;
--> statement-breakpoint
CREATE TRIGGER feedback_posts_fts_au AFTER UPDATE OF title, body ON feedback_posts BEGIN
  INSERT INTO feedback_posts_fts(feedback_posts_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
  INSERT INTO feedback_posts_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
END;
