import GRDB

/// The notifier's schema, one named migration per release that changed it, as the store's
/// and the replica's. Shipped migrations are never edited: a change is a new migration.
enum WatchMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE watches (
                    name TEXT PRIMARY KEY,
                    filter TEXT NOT NULL,
                    stream INTEGER NOT NULL,
                    webhook TEXT,
                    secret TEXT,
                    -- the last change this watch has dealt with: delivered, given up on, or not matching
                    cursor INTEGER NOT NULL,
                    delivered INTEGER NOT NULL DEFAULT 0,
                    failures INTEGER NOT NULL DEFAULT 0,
                    dead_in_a_row INTEGER NOT NULL DEFAULT 0,
                    paused TEXT,
                    rewinds INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE dead_letters (
                    id INTEGER PRIMARY KEY,
                    watch TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    key TEXT,
                    attempts INTEGER NOT NULL,
                    last_status INTEGER,
                    last_error TEXT NOT NULL,
                    at INTEGER NOT NULL
                );
                CREATE INDEX dead_letters_watch ON dead_letters(watch, id);
                """)
        }
        // The identity that added each watch (docs/SECURITY.md); null for watches added
        // without keys, which any caller of a keyless notifier may manage.
        migrator.registerMigration("watch-owner") { db in
            try db.execute(sql: "ALTER TABLE watches ADD COLUMN owner TEXT")
        }
        // Synthesis watches (issue 15): the question followed, where the watch starts
        // delivering (the store's head when it was added, or a replay's start: changes up to
        // it are read into the set without a delivery), the figures as of the cursor, and the
        // records that take part, by record id. The set, the figures and the cursor are saved
        // in one transaction, so they always agree.
        migrator.registerMigration("synthesis-watches") { db in
            try db.execute(sql: """
                ALTER TABLE watches ADD COLUMN synthesis TEXT;
                ALTER TABLE watches ADD COLUMN synthesis_baseline INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE watches ADD COLUMN synthesis_headline TEXT;
                CREATE TABLE synthesis_candidates (
                    watch TEXT NOT NULL,
                    record_id INTEGER NOT NULL,
                    key TEXT NOT NULL,
                    -- the change this version of the record came with
                    seq INTEGER NOT NULL,
                    -- the record's JSON as of that change
                    record BLOB NOT NULL,
                    PRIMARY KEY (watch, record_id)
                );
                """)
        }
        // The id of the store history the cursors are positions in (issue 16): a restored
        // store has another, and the watches then go on from its head. NULL until first heard.
        migrator.registerMigration("followed-store") { db in
            try db.execute(sql: "CREATE TABLE followed_store (store_id TEXT); INSERT INTO followed_store (store_id) VALUES (NULL)")
        }
        return migrator
    }
}
