import EvidenceModel
import Foundation
import GRDB
import Replication
import ServiceKit
import Synchronization
import WireProtocol

/// A query replica's own copy of the records: SQLite with FTS5 in its data folder, fed only
/// by the follower (one writer), read by any number of queries at once (WAL). It is a copy:
/// `synchronous = NORMAL` suffices, since a transaction lost to a power cut is fetched again
/// from the store — the position is in the same transaction as the data it describes.
final class ReplicaDatabase: FollowerSink, Sendable {
    static let fileName = "query-replica.sqlite"
    /// The open copy. Replaced once, when a new replica installs a peer's image (ImageInstall).
    var pool: DatabasePool { current.withLock { $0 } }
    let path: String
    /// Swapped only by `install(imageAt:for:)`.
    let current: Mutex<DatabasePool>
    private let snapshotWrites = OutstandingWrite()
    /// Searches' counts of phrases and matches, kept while the copy does not change.
    let searchCounts = SearchCounts()

    init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent(Self.fileName).path
        current = Mutex(try Self.open(path))
    }

    /// Opens the copy at `path` (making an empty one when there is none) and brings its schema
    /// to this release's.
    static func open(_ path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // A copy: losing the last transactions to a power cut only means fetching them again.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Checkpoint less often: catching up writes a lot, and readers never wait on the WAL.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 8000")
            try FullTextRankFunction.register(in: db)
        }
        configuration.busyMode = .timeout(5)
        let pool = try DatabasePool(path: path, configuration: configuration)
        let migrator = ReplicaMigrations.migrator
        if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
            throw ErrorBody(code: .internal, message: "replica \(path) was written by a newer ldn-query; remove it to rebuild")
        }
        try migrator.migrate(pool)
        // The reader that ran the check holds the schema from before the migration: a row it
        // reads by name could miss a column just added (GRDB issues 1453, 1500).
        pool.invalidateReadOnlyConnections()
        return pool
    }

    // MARK: FollowerSink

    func position() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT value FROM replica WHERE name = 'applied_seq'") ?? 0 }
    }

    /// Applies changes in one transaction. One that cannot be applied goes to the quarantine
    /// instead, and the copy keeps that record as it was.
    func apply(_ changes: [ReadChange]) async throws {
        try await pool.write { db in
            for change in changes { try Self.store(change, in: db, fresh: false) }
            if let last = changes.last {
                try db.execute(sql: "UPDATE replica SET value = MAX(value, ?) WHERE name = 'applied_seq'", arguments: [last.header.seq])
            }
        }
    }

    /// Snapshot pages hold distinct records, none of them in the emptied copy: they are
    /// inserted without looking for an older state first. A page is written while the next
    /// one is read (at most one write outstanding); `setPosition` waits for the last.
    func applySnapshot(_ records: [ReadChange], first: Bool) async throws {
        try await snapshotWrites.waitForPrevious()
        snapshotWrites.start { done in
            pool.asyncWrite({ db in
                if first { try Self.empty(db) }
                for change in records { try Self.store(change, in: db, fresh: true) }
            }, completion: { _, result in done(result) })
        }
    }

    func setPosition(_ seq: Int64) async throws {
        try await snapshotWrites.waitForPrevious()
        try await pool.write { db in
            try db.execute(sql: "UPDATE replica SET value = ? WHERE name = 'applied_seq'", arguments: [seq])
        }
    }

    func storeID() async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT store_id FROM replica_store") }
    }

    func setStoreID(_ id: String) async throws {
        try await pool.write { db in try db.execute(sql: "UPDATE replica_store SET store_id = ?", arguments: [id]) }
    }

    /// The store was restored: every record here may be one it no longer has, or has
    /// otherwise. The copy (and its quarantine, which named changes of the old history) is
    /// emptied with the position set to 0, in one transaction: the follower then loads a
    /// snapshot, as a new replica does. Queries meanwhile answer from an empty copy that says
    /// it is catching up, never from records of the old history.
    func resynchronise(storeID: String?, head: Int64) async throws {
        try await snapshotWrites.waitForPrevious()
        try await pool.write { db in
            try Self.empty(db)
            try db.execute(sql: "DELETE FROM quarantine")
            try db.execute(sql: "UPDATE replica_store SET store_id = ?", arguments: [storeID])
        }
    }

    /// Drops every record and sets the position to 0.
    private static func empty(_ db: Database) throws {
        // condition_counts after record_conditions, whose triggers leave it at zeros.
        for table in ["records", "record_bodies", "record_conditions", "condition_counts", "outcome_index", "records_fts"] {
            try db.execute(sql: "DELETE FROM \(table)")
        }
        try db.execute(sql: "UPDATE replica SET value = 0 WHERE name = 'applied_seq'")
    }


    /// Writes a record's state as of `change`, unless the copy already holds a later one
    /// (catching up after a snapshot sees some changes twice). `fresh`: the record is known
    /// not to be in the copy yet. A change that cannot be applied is quarantined before
    /// anything of the record is touched, so the copy keeps its last good state.
    static func store(_ change: ReadChange, in db: Database, fresh: Bool) throws {
        let header = change.header
        guard let record = change.record else {
            try quarantine(change, in: db)
            return
        }
        if !fresh, let held = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT seq, conditions, status, design, certainty, year FROM records WHERE id = ?
            """), arguments: [header.recordID]) {
            guard (held["seq"] as Int64) < header.seq else { return }
            for code in (held["conditions"] as String).split(separator: "\n").map(String.init) {
                try db.cachedStatement(sql: """
                    DELETE FROM record_conditions WHERE code = ? AND status = ? AND design = ? AND certainty = ? AND year = ?
                    AND record_id = ?
                    """).execute(arguments: [code, held["status"], held["design"], held["certainty"], held["year"],
                                             header.recordID])
                try db.cachedStatement(sql: "DELETE FROM outcome_index WHERE code = ? AND record_id = ?")
                    .execute(arguments: [code, header.recordID])
            }
            try db.cachedStatement(sql: "DELETE FROM records_fts WHERE rowid = ?").execute(arguments: [header.recordID])
        }
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO records (id, seq, key, version, status, title, year, design, certainty, participants,
                                            dose_mg, doi, pmid, nct, conditions)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [header.recordID, header.seq, header.key, header.version, header.status.rawValue,
                                     record.title, record.year, record.design.rawValue, record.certainty.rank,
                                     record.participants, record.doseMg, record.identifiers.doi, record.identifiers.pmid,
                                     record.identifiers.nct, record.conditions.joined(separator: "\n")])
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO record_bodies (id, body) VALUES (?, ?)")
            .execute(arguments: [header.recordID, change.body])
        for code in record.conditions {
            try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO record_conditions (code, status, design, certainty, year, record_id, participants, dose_mg, study)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [code, header.status.rawValue, record.design.rawValue, record.certainty.rank,
                                         record.year, header.recordID, record.participants, record.doseMg,
                                         record.identifiers.nct])
            for (position, outcome) in record.outcomes.enumerated() {
                try db.cachedStatement(sql: """
                    INSERT OR IGNORE INTO outcome_index (code, record_id, position, status, measure, direction)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [code, header.recordID, position, header.status.rawValue, outcome.measure,
                                             outcome.direction.rawValue])
            }
        }
        try indexText(of: record, id: header.recordID, in: db)
    }

    /// Adds a record's words to the full-text index.
    static func indexText(of record: EvidenceRecord, id: Int64, in db: Database) throws {
        let text = record.searchIndexFields
        try db.cachedStatement(sql: "INSERT INTO records_fts (rowid, title, summary, outcomes, adverse_events) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [id, text.title, text.summary, text.outcomes, text.adverseEvents])
    }

    func count() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM records") ?? 0 }
    }
}

/// At most one write in flight, started by `start` and awaited (with its error) by the next
/// `waitForPrevious`.
final class OutstandingWrite: Sendable {
    private struct State {
        var result: Result<Void, any Error>? = .success(())
        var waiter: CheckedContinuation<Void, any Error>?
    }

    private let state = Mutex(State())

    func start(_ write: (@escaping @Sendable (Result<Void, any Error>) -> Void) -> Void) {
        state.withLock { $0.result = nil }
        write { result in
            let waiter = self.state.withLock { state -> CheckedContinuation<Void, any Error>? in
                state.result = result
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(with: result)
        }
    }

    func waitForPrevious() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let finished = state.withLock { state -> Result<Void, any Error>? in
                if state.result == nil { state.waiter = continuation }
                return state.result
            }
            if let finished { continuation.resume(with: finished) }
        }
    }
}
