-- The application's tables. Run on every deploy, so create only what is missing.
CREATE TABLE IF NOT EXISTS page_views (
    path TEXT PRIMARY KEY,
    count INTEGER NOT NULL DEFAULT 0
);

PRAGMA user_version = 1;
