-- Mojo::SQLite migrations (Mojo::SQLite::Migrations): each "-- N up" section runs once, in
-- order; deploy.pl migrates to the newest. Add a section to change the schema.
-- 1 up
CREATE TABLE IF NOT EXISTS page_views (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  path TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
-- 1 down
DROP TABLE IF EXISTS page_views;
