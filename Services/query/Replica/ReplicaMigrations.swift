import EvidenceModel
import Foundation
import GRDB
import WireProtocol

/// The replica's schema. A replica can always be rebuilt from the store, but its schema
/// still evolves by named migrations, so a new release reuses an old replica's data.
///
/// Catching up writes every record into these tables, so they carry no index a query does
/// not need: rows that depend on a record are found through its `conditions` column.
enum ReplicaMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                -- Each record's latest state, with the fields queries filter and sort on.
                CREATE TABLE records (
                    id INTEGER PRIMARY KEY,
                    seq INTEGER NOT NULL,
                    key TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    title TEXT NOT NULL,
                    year INTEGER NOT NULL,
                    design TEXT NOT NULL,
                    certainty INTEGER NOT NULL,
                    participants INTEGER,
                    dose_mg REAL,
                    doi TEXT,
                    pmid TEXT,
                    nct TEXT,
                    -- condition codes, one per line: which rows below belong to the record
                    conditions TEXT NOT NULL
                );
                CREATE INDEX records_year ON records(year, id);
                CREATE INDEX records_doi ON records(doi) WHERE doi IS NOT NULL;
                CREATE INDEX records_pmid ON records(pmid) WHERE pmid IS NOT NULL;
                CREATE INDEX records_nct ON records(nct) WHERE nct IS NOT NULL;

                -- The record's JSON, apart, so that filtering and counting read small rows.
                CREATE TABLE record_bodies (id INTEGER PRIMARY KEY, body BLOB NOT NULL);

                -- One row per record and condition, ordered by the fields most filters use, so
                -- that "what does the evidence say for condition X" reads one range of it.
                CREATE TABLE record_conditions (
                    code TEXT NOT NULL,
                    status TEXT NOT NULL,
                    design TEXT NOT NULL,
                    certainty INTEGER NOT NULL,
                    year INTEGER NOT NULL,
                    record_id INTEGER NOT NULL,
                    participants INTEGER,
                    dose_mg REAL,
                    PRIMARY KEY (code, status, design, certainty, year, record_id)
                ) WITHOUT ROWID;

                -- One row per outcome and condition: outcome filters, and a condition's
                -- outcome counts from one index range.
                CREATE TABLE outcome_index (
                    code TEXT NOT NULL,
                    record_id INTEGER NOT NULL,
                    position INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    measure TEXT NOT NULL,
                    direction TEXT NOT NULL,
                    PRIMARY KEY (code, record_id, position)
                ) WITHOUT ROWID;
                CREATE INDEX outcome_index_summary ON outcome_index(code, status, measure, direction);
                CREATE INDEX outcome_index_filter ON outcome_index(measure, direction, record_id);

                -- Full text: title, summary, outcomes and adverse events; rowid = record id.
                CREATE VIRTUAL TABLE records_fts USING fts5(title, summary, outcomes, adverse_events);

                -- The position in the store's change log this copy is at.
                CREATE TABLE replica (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
                INSERT INTO replica (name, value) VALUES ('applied_seq', 0);
                """)
        }
        migrator.registerMigration("v2: studies") { db in
            // A trial's registry entry and the papers on it are separate records of one
            // study; summaries count the study once. `study` is the NCT id that links
            // them, NULL for a record that is its own study (the partial index stays small).
            try db.execute(sql: """
                ALTER TABLE record_conditions ADD COLUMN study TEXT;
                UPDATE record_conditions SET study = (SELECT nct FROM records WHERE records.id = record_conditions.record_id);
                CREATE INDEX record_conditions_studies ON record_conditions(code, status, study) WHERE study IS NOT NULL;
                """)
        }
        migrator.registerMigration("v3: quarantine") { db in
            // Changes the replica could not apply (damaged, not a valid record, a header that
            // did not read), kept for the operator; the copy keeps such a record as it was.
            // record_id and key are NULL when the header itself did not read.
            try db.execute(sql: """
                CREATE TABLE quarantine (
                    seq INTEGER PRIMARY KEY,
                    record_id INTEGER,
                    key TEXT,
                    reason TEXT NOT NULL,
                    body BLOB NOT NULL,
                    quarantined_at INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v4: full text without apostrophes") { db in
            // The index holds "Crohn's" as the word "crohns", as watches match it.
            try db.execute(sql: "DELETE FROM records_fts")
            let rows = try Row.fetchCursor(db, sql: "SELECT id, body FROM record_bodies")
            while let row = try rows.next() {
                guard let record = RecordIntake.evaluate(row["body"] as Data).record else { continue }
                try ReplicaDatabase.indexText(of: record, id: row["id"], in: db)
            }
        }
        migrator.registerMigration("v5: store id") { db in
            // The id of the store history the position is in: a restored store has another one,
            // and the copy is then dropped and loaded again. NULL until the store first names one.
            try db.execute(sql: "CREATE TABLE replica_store (store_id TEXT); INSERT INTO replica_store (store_id) VALUES (NULL)")
        }
        migrator.registerMigration("v6: condition counts") { db in
            // How many rows of record_conditions have each code, status, design, certainty and
            // year, so that a filtered query's total reads a few rows instead of counting its
            // whole range (FilteredQuery). Triggers keep it exact on every write, whichever path
            // writes (apply, snapshot, resynchronise); a count that falls to 0 stays as a row.
            try db.execute(sql: """
                CREATE TABLE condition_counts (
                    code TEXT NOT NULL,
                    status TEXT NOT NULL,
                    design TEXT NOT NULL,
                    certainty INTEGER NOT NULL,
                    year INTEGER NOT NULL,
                    n INTEGER NOT NULL,
                    PRIMARY KEY (code, status, design, certainty, year)
                ) WITHOUT ROWID;
                INSERT INTO condition_counts (code, status, design, certainty, year, n)
                    SELECT code, status, design, certainty, year, COUNT(*) FROM record_conditions
                    GROUP BY code, status, design, certainty, year;
                CREATE TRIGGER condition_counts_insert AFTER INSERT ON record_conditions BEGIN
                    INSERT INTO condition_counts (code, status, design, certainty, year, n)
                        VALUES (new.code, new.status, new.design, new.certainty, new.year, 1)
                        ON CONFLICT (code, status, design, certainty, year) DO UPDATE SET n = n + 1;
                END;
                CREATE TRIGGER condition_counts_delete AFTER DELETE ON record_conditions BEGIN
                    UPDATE condition_counts SET n = n - 1 WHERE code = old.code AND status = old.status
                        AND design = old.design AND certainty = old.certainty AND year = old.year;
                END;
                CREATE TRIGGER condition_counts_update AFTER UPDATE OF code, status, design, certainty, year
                    ON record_conditions BEGIN
                    UPDATE condition_counts SET n = n - 1 WHERE code = old.code AND status = old.status
                        AND design = old.design AND certainty = old.certainty AND year = old.year;
                    INSERT INTO condition_counts (code, status, design, certainty, year, n)
                        VALUES (new.code, new.status, new.design, new.certainty, new.year, 1)
                        ON CONFLICT (code, status, design, certainty, year) DO UPDATE SET n = n + 1;
                END;
                """)
        }
        migrator.registerMigration("v7: records not active") { db in
            // The few records a search leaves out by default (retracted, needing review): a
            // search's total is its matches less those among them (FullTextRanking).
            try db.execute(sql: "CREATE INDEX records_not_active ON records(status) WHERE status != 'active'")
        }
        return migrator
    }
}
