import GRDB

/// The store's schema, one named migration per release that changed it. Shipped
/// migrations are never edited: a change is a new migration.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // One row per study: its identifiers and a pointer to its current change.
            try db.execute(sql: """
                CREATE TABLE records (
                    id INTEGER PRIMARY KEY,
                    key TEXT NOT NULL UNIQUE,
                    doi TEXT,
                    pmid TEXT,
                    nct TEXT,
                    version INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    hash INTEGER NOT NULL,
                    head_seq INTEGER NOT NULL
                );
                CREATE INDEX records_doi ON records(doi) WHERE doi IS NOT NULL;
                -- One record per PMID: a PMID names one publication. (The key is unique too,
                -- and a record with a DOI is keyed by it, so DOIs are unique as well.)
                CREATE UNIQUE INDEX records_pmid ON records(pmid) WHERE pmid IS NOT NULL;
                CREATE INDEX records_nct ON records(nct) WHERE nct IS NOT NULL;

                -- The change log: every insert, new version and retraction, with the record's
                -- JSON as it was. seq is the sequence number replicas and the notifier follow.
                CREATE TABLE changes (
                    seq INTEGER PRIMARY KEY,
                    record_id INTEGER NOT NULL REFERENCES records(id),
                    version INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    status TEXT NOT NULL,
                    body BLOB NOT NULL,
                    request_id TEXT,
                    reason TEXT,
                    provenance TEXT,
                    committed_at INTEGER NOT NULL
                );
                CREATE INDEX changes_record ON changes(record_id, seq);

                -- Replies already given, by request id, so that a retried request gets the
                -- same answer and changes nothing. Pruned after the retention period.
                CREATE TABLE requests (
                    id TEXT PRIMARY KEY,
                    reply BLOB NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX requests_created ON requests(created_at);
                """)
        }
        migrator.registerMigration("v2-request-digests") { db in
            // A digest of each request's content: a request id reused for other content is
            // refused instead of replayed. Requests answered before keep none (NULL) and are
            // replayed by id alone until pruned.
            try db.execute(sql: "ALTER TABLE requests ADD COLUMN digest BLOB")
        }
        migrator.registerMigration("v3-change-keys") { db in
            // The key each change was published with, and on a re-keying update the key before:
            // reads took the key from `records`, so a re-key rewrote every earlier header.
            try db.execute(sql: """
                ALTER TABLE changes ADD COLUMN key TEXT NOT NULL DEFAULT '';
                ALTER TABLE changes ADD COLUMN previous_key TEXT;
                """)
            try Backfill.changeKeys(db)
        }
        migrator.registerMigration("v4-change-hashes") { db in
            // The hash of each change's JSON, checked on every read and by `verify`.
            try db.execute(sql: "ALTER TABLE changes ADD COLUMN body_hash INTEGER NOT NULL DEFAULT 0")
            try Backfill.changeHashes(db)
        }
        migrator.registerMigration("v5-store-id") { db in
            // The id of this store's history, made with the database (or when an older one is
            // upgraded) and replaced by `restore`: followers that remember it notice a restored
            // store even once its head has grown past their position.
            try db.execute(sql: """
                CREATE TABLE store_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
                INSERT INTO store_meta (name, value) VALUES ('store_id', lower(hex(randomblob(16))));
                """)
        }
        return migrator
    }
}
