import PaddockSQLite

/// The catalogue index's schema, by version. A new version appends a migration; existing
/// ones are never edited, so a database made by any earlier paddock can be brought forward.
enum CatalogSchema {
    static let migrations: [String] = [
        // 1: feeds, their products, keywords, named dependency sets and a full-text index.
        """
        CREATE TABLE feeds(
            name TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            kind TEXT NOT NULL,
            parent TEXT REFERENCES feeds(name) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            added_at TEXT NOT NULL,
            refreshed_at TEXT NOT NULL,
            etag TEXT,
            last_modified TEXT,
            content_sha256 TEXT,
            stamp TEXT,
            title TEXT,
            product_count INTEGER NOT NULL,
            warning_count INTEGER NOT NULL,
            meta BLOB
        );
        CREATE TABLE products(
            feed TEXT NOT NULL REFERENCES feeds(name) ON DELETE CASCADE,
            product_key TEXT NOT NULL,
            product_id TEXT NOT NULL,
            title TEXT,
            version TEXT,
            summary TEXT,
            keywords TEXT NOT NULL,
            is_application INTEGER NOT NULL,
            search_exclude INTEGER NOT NULL,
            has_linux INTEGER NOT NULL,
            body BLOB NOT NULL,
            PRIMARY KEY(feed, product_key)
        );
        CREATE INDEX products_by_key ON products(product_key);
        CREATE TABLE keywords(
            feed TEXT NOT NULL REFERENCES feeds(name) ON DELETE CASCADE,
            id TEXT NOT NULL,
            title TEXT NOT NULL,
            PRIMARY KEY(feed, id)
        );
        CREATE TABLE named_sets(
            feed TEXT NOT NULL REFERENCES feeds(name) ON DELETE CASCADE,
            name TEXT NOT NULL,
            body BLOB NOT NULL,
            PRIMARY KEY(feed, name)
        );
        CREATE VIRTUAL TABLE product_search USING fts5(
            feed UNINDEXED, product_key UNINDEXED, product_id, title, summary, keywords,
            tokenize = 'unicode61 remove_diacritics 2'
        );
        """,
        // 2: settings, such as the index format the rows were written in.
        """
        CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
        // 3: the winning definition of each product id, kept at store and remove time, so that
        // list and search need not work out the winner for every row they look at.
        """
        ALTER TABLE products ADD COLUMN winner INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX products_winners ON products(winner, product_key);
        """,
        // 4: the full-text index reads its text from the products rows (external content) instead
        // of keeping a second copy of every indexed column, and covers every row (search leaves
        // out search_exclude products), so a feed's rows are indexed by one INSERT ... SELECT.
        // unicode61 splits at '_' (and '-', '.'), so 'django' still finds 'blank_django'.
        """
        DROP TABLE product_search;
        CREATE VIRTUAL TABLE product_search USING fts5(
            product_id, title, summary, keywords, content = 'products', content_rowid = 'rowid',
            tokenize = 'unicode61 remove_diacritics 2'
        );
        INSERT INTO product_search(product_search) VALUES('rebuild');
        """,
        // 5: each feed's named os lists (and named oses, as lists of one). Products are stored
        // as their feed is read, and WebPI's feeds define their lists after the entries, so an
        // installer's `osList idref` is resolved when the product is read back.
        """
        CREATE TABLE os_lists(
            feed TEXT NOT NULL REFERENCES feeds(name) ON DELETE CASCADE,
            name TEXT NOT NULL,
            body BLOB NOT NULL,
            PRIMARY KEY(feed, name)
        );
        """,
        // 6: each feed's named oses, for the `<os idref>`s of inline lists that named an os the
        // feed defines after the entry (`OperatingSystemSpec.reference`), resolved when read.
        """
        CREATE TABLE oses(
            feed TEXT NOT NULL REFERENCES feeds(name) ON DELETE CASCADE,
            name TEXT NOT NULL,
            body BLOB NOT NULL,
            PRIMARY KEY(feed, name)
        );
        """,
        // 7: one index on product_key instead of two (by key; by winner then key): a product's
        // definitions are found by key, the winners listed in key order from the same index, and
        // each row stored updates one index in random order fewer (a large feed loads faster).
        """
        DROP INDEX products_by_key;
        DROP INDEX products_winners;
        CREATE INDEX products_by_key ON products(product_key, winner);
        """,
    ]

    /// The format of the product bodies stored in the index. When the code's model changes
    /// shape, this number goes up and the index is rebuilt from the cached feed copies.
    // 3: ProductCodec bodies; 4: winner flags, product_search rowid = products rowid; 5: os lists
    // resolved when read (rows of format 4 have none to resolve, but no os_lists rows either);
    // 6: oses of inline lists resolved when read (the codec writes `OperatingSystemSpec.reference`).
    static let indexFormat = 6
}
