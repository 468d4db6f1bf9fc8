import PaddockSQLite

/// The state database's schema, by version. Migrations are only ever appended.
enum StateSchema {
    static let migrations: [String] = [
        // 1: installed products, what each put down, transactions and their journal, apps.
        """
        CREATE TABLE installed(
            product_key TEXT NOT NULL,
            app TEXT NOT NULL DEFAULT '',
            product_id TEXT NOT NULL,
            version TEXT,
            feed TEXT,
            installer_id TEXT,
            kind TEXT NOT NULL,
            scope TEXT NOT NULL,
            installed_at TEXT NOT NULL,
            requested INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY(product_key, app)
        );
        CREATE TABLE receipts(
            product_key TEXT NOT NULL,
            app TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,
            path TEXT NOT NULL,
            sha256 TEXT,
            FOREIGN KEY(product_key, app) REFERENCES installed(product_key, app) ON DELETE CASCADE
        );
        CREATE INDEX receipts_by_product ON receipts(product_key, app);
        CREATE TABLE dependencies(
            product_key TEXT NOT NULL,
            app TEXT NOT NULL DEFAULT '',
            needs_key TEXT NOT NULL,
            PRIMARY KEY(product_key, app, needs_key)
        );
        CREATE TABLE transactions(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            command TEXT NOT NULL,
            pid INTEGER NOT NULL,
            started_at TEXT NOT NULL,
            state TEXT NOT NULL
        );
        CREATE TABLE journal(
            txn INTEGER NOT NULL REFERENCES transactions(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            action TEXT NOT NULL,
            path TEXT NOT NULL,
            backup TEXT,
            PRIMARY KEY(txn, seq)
        );
        CREATE TABLE apps(
            name TEXT PRIMARY KEY,
            template TEXT NOT NULL,
            path TEXT NOT NULL,
            state_dir TEXT NOT NULL,
            parameters TEXT NOT NULL,
            created_at TEXT NOT NULL,
            deployed_hash TEXT,
            deployed_at TEXT,
            port INTEGER
        );
        """
    ]
}
