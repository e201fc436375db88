import GRDB

/// The harvester's schema, one named migration per release that changed it, as the
/// notifier's. Shipped migrations are never edited: a change is a new migration.
enum HarvestMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE searches (
                    name TEXT PRIMARY KEY,
                    source TEXT NOT NULL,
                    query TEXT NOT NULL,
                    condition TEXT,
                    interval INTEGER NOT NULL,
                    created_at REAL NOT NULL,
                    -- the last day a complete run covered: the next run's first day
                    cursor TEXT,
                    -- ClinicalTrials.gov's data timestamp at the last complete run
                    data_version TEXT,
                    next_run_at REAL,
                    failures_in_a_row INTEGER NOT NULL DEFAULT 0,
                    paused TEXT,
                    -- JSON of HarvestRunSummary
                    last_run TEXT
                );
                -- every record version submitted (or refused before sending), never sent again
                CREATE TABLE seen (
                    search TEXT NOT NULL,
                    key TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    PRIMARY KEY (search, key)
                ) WITHOUT ROWID;
                -- a run under way (at most one per search): its window is kept until it completes,
                -- so a restarted harvester resumes it with the same request ids
                CREATE TABLE runs (
                    search TEXT PRIMARY KEY,
                    from_day TEXT,
                    through_day TEXT NOT NULL,
                    started_at REAL NOT NULL,
                    batches INTEGER NOT NULL DEFAULT 0,
                    new INTEGER NOT NULL DEFAULT 0,
                    duplicates INTEGER NOT NULL DEFAULT 0,
                    needs_review INTEGER NOT NULL DEFAULT 0,
                    rejected INTEGER NOT NULL DEFAULT 0,
                    errors INTEGER NOT NULL DEFAULT 0
                );
                -- batches written before they are submitted; done once ingest's answer is recorded
                CREATE TABLE batches (
                    search TEXT NOT NULL,
                    number INTEGER NOT NULL,
                    request_id TEXT NOT NULL,
                    done INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (search, number)
                );
                CREATE TABLE batch_items (
                    search TEXT NOT NULL,
                    number INTEGER NOT NULL,
                    position INTEGER NOT NULL,
                    key TEXT NOT NULL,
                    record BLOB NOT NULL,
                    -- JSON of the record's Provenance, with its `harvest` member
                    provenance TEXT NOT NULL,
                    PRIMARY KEY (search, number, position)
                );
                CREATE INDEX batch_items_key ON batch_items(search, key);
                """)
        }
        return migrator
    }
}
