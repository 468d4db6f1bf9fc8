-- The first migration: deploy.pl applies each migrations/NNN-name.sql once, in name order, in a
-- transaction, and records it in schema_migrations. Add 002-....sql to change the schema.
CREATE TABLE page_views (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  path TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
