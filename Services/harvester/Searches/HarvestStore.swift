import EvidenceModel
import Foundation
import GRDB
import ServiceDatabase
import WireProtocol

/// The harvester's own database (`harvester.sqlite` in the data folder): saved searches with
/// their cursors, the record versions each has seen, and the run under way with its window
/// and its batches, written before they are submitted. Every step of a run is saved in one
/// transaction with what it depends on, so that a harvester killed at any point resumes
/// without submitting anything twice or missing anything (docs/HARVEST.md).
final class HarvestStore: Sendable {
    static let fileName = "harvester.sqlite"
    private let pool: DatabasePool
    let path: String

    struct Search: Sendable, Equatable {
        var name: String
        var query: SearchQuery
        var interval: Int
        var createdAt: Date
        var cursor: String?
        var dataVersion: String?
        var nextRunAt: Date?
        var failuresInARow: Int
        var paused: String?
        var lastRun: HarvestRunSummary?
    }

    /// A run under way, with its counts so far (the answered batches').
    struct Run: Sendable, Equatable {
        var window: HarvestWindow
        var startedAt: Date
        var batches: Int
        var counts: RunCounts
    }

    struct RunCounts: Sendable, Equatable {
        var new = 0, duplicates = 0, needsReview = 0, rejected = 0, errors = 0
    }

    struct BatchItem: Sendable, Equatable {
        var key: String
        var record: Data
        var provenance: Provenance
    }

    struct Batch: Sendable, Equatable {
        var number: Int
        var requestID: String
        var items: [BatchItem]
    }

    init(directory: URL) throws {
        (pool, path) = try ServiceDatabase.open(Self.fileName, in: directory, migrator: HarvestMigrations.migrator,
                                                writtenBy: "ldn-harvester")
    }

    // MARK: Searches

    func all() async throws -> [Search] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM searches ORDER BY name").map(Self.search) }
    }

    /// How many searches there are, and how many of them are paused; read where no `await`
    /// can be (a metrics scrape, on the metrics server's own thread).
    func counts() throws -> (searches: Int, paused: Int) {
        try pool.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*), COUNT(paused) FROM searches")!
            return (row[0], row[1])
        }
    }

    func search(_ name: String) async throws -> Search? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM searches WHERE name = ?", arguments: [name]).map(Self.search) }
    }

    /// Adds a search, due at once; false when the name is taken.
    func add(_ search: Search) async throws -> Bool {
        try await write { db in
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM searches WHERE name = ?", arguments: [search.name]) == nil else { return false }
            try db.execute(sql: """
                INSERT INTO searches (name, source, query, condition, interval, created_at, cursor, next_run_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [search.name, search.query.source.rawValue, search.query.term, search.query.condition, search.interval,
                                 search.createdAt.timeIntervalSince1970, search.cursor,
                                 (search.nextRunAt ?? search.createdAt).timeIntervalSince1970])
            return true
        }
    }

    /// Forgets a search with everything it has seen and its run under way.
    func remove(_ name: String) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM searches WHERE name = ?", arguments: [name])
            let removed = db.changesCount > 0
            for table in ["seen", "runs", "batches", "batch_items"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE search = ?", arguments: [name])
            }
            return removed
        }
    }

    /// Pauses (a reason) or resumes (nil: failures forgotten, due at once) a search.
    func setPaused(_ name: String, reason: String?, now: Date = Date()) async throws {
        try await write { db in
            if let reason {
                try db.execute(sql: "UPDATE searches SET paused = ? WHERE name = ?", arguments: [reason, name])
            } else {
                try db.execute(sql: "UPDATE searches SET paused = NULL, failures_in_a_row = 0, next_run_at = ? WHERE name = ?",
                               arguments: [now.timeIntervalSince1970, name])
            }
        }
    }

    /// How many record versions each search has seen.
    func seenCounts() async throws -> [String: Int] {
        try await pool.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT search, COUNT(*) AS n FROM seen GROUP BY search")
                .map { ($0["search"] as String, $0["n"] as Int) })
        }
    }

    // MARK: A run

    /// The run under way for the search, if one is (started and not complete, maybe before a crash).
    func run(_ name: String) async throws -> Run? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE search = ?", arguments: [name]).map { row in
                Run(window: HarvestWindow(from: row["from_day"], through: row["through_day"]),
                    startedAt: Date(timeIntervalSince1970: row["started_at"]), batches: row["batches"],
                    counts: RunCounts(new: row["new"], duplicates: row["duplicates"], needsReview: row["needs_review"],
                                      rejected: row["rejected"], errors: row["errors"]))
            }
        }
    }

    /// Saves a new run's window before anything is fetched.
    func startRun(_ name: String, window: HarvestWindow, at date: Date) async throws -> Run {
        try await write { db in
            try db.execute(sql: "INSERT INTO runs (search, from_day, through_day, started_at) VALUES (?, ?, ?, ?)",
                           arguments: [name, window.from, window.through, date.timeIntervalSince1970])
        }
        return Run(window: window, startedAt: date, batches: 0, counts: RunCounts())
    }

    /// The batches saved and not yet answered by ingest, in order.
    func pendingBatches(_ name: String) async throws -> [Batch] {
        try await pool.read { db in
            let heads = try Row.fetchAll(db, sql: "SELECT number, request_id FROM batches WHERE search = ? AND done = 0 ORDER BY number",
                                         arguments: [name])
            return try heads.map { head in
                let items = try Row.fetchAll(db, sql: """
                    SELECT key, record, provenance FROM batch_items WHERE search = ? AND number = ? ORDER BY position
                    """, arguments: [name, head["number"] as Int]).map { row in
                    BatchItem(key: row["key"], record: row["record"],
                              provenance: try WireJSON.decode(Provenance.self, from: Data((row["provenance"] as String).utf8)))
                }
                return Batch(number: head["number"], requestID: head["request_id"], items: items)
            }
        }
    }

    /// Of `keys`, those neither seen nor waiting in a saved batch.
    func unseen(_ name: String, among keys: [String]) async throws -> Set<String> {
        try await pool.read { db in
            var fresh = Set<String>()
            for key in keys {
                let seen = try Row.fetchOne(db, sql: """
                    SELECT 1 FROM seen WHERE search = ?1 AND key = ?2
                    UNION ALL SELECT 1 FROM batch_items i JOIN batches b ON b.search = i.search AND b.number = i.number
                    WHERE i.search = ?1 AND i.key = ?2 AND b.done = 0 LIMIT 1
                    """, arguments: [name, key]) != nil
                if !seen { fresh.insert(key) }
            }
            return fresh
        }
    }

    /// Saves the next batch of the run with its request id (made from its number), before it is submitted.
    func saveBatch(_ name: String, items: [BatchItem], requestID: @escaping @Sendable (Int) -> String) async throws -> Batch {
        try await write { db in
            guard let last = try Int.fetchOne(db, sql: "SELECT batches FROM runs WHERE search = ?", arguments: [name]) else {
                throw ErrorBody(code: .internal, message: "no run under way for \(name)")
            }
            let number = last + 1
            try db.execute(sql: "UPDATE runs SET batches = ? WHERE search = ?", arguments: [number, name])
            try db.execute(sql: "INSERT INTO batches (search, number, request_id) VALUES (?, ?, ?)", arguments: [name, number, requestID(number)])
            for (position, item) in items.enumerated() {
                try db.execute(sql: "INSERT INTO batch_items (search, number, position, key, record, provenance) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [name, number, position, item.key, item.record,
                                           String(decoding: item.provenance.jsonData, as: UTF8.self)])
            }
            return Batch(number: number, requestID: requestID(number), items: items)
        }
    }

    /// Ingest's answer to a batch, in one transaction: its keys seen with their outcomes, the
    /// batch done, the run's counts grown.
    func recordBatch(_ name: String, number: Int, outcomes: [(key: String, outcome: String)], counts: RunCounts) async throws {
        try await write { db in
            for (key, outcome) in outcomes {
                try db.execute(sql: "INSERT OR REPLACE INTO seen (search, key, outcome) VALUES (?, ?, ?)", arguments: [name, key, outcome])
            }
            try db.execute(sql: "UPDATE batches SET done = 1 WHERE search = ? AND number = ?", arguments: [name, number])
            try Self.add(counts, to: name, db)
        }
    }

    /// Records that cannot be sent (the source's mapping found problems): seen, so that they
    /// are not counted again each run, and counted as rejected.
    func recordUnsendable(_ name: String, keys: [String]) async throws {
        try await write { db in
            for key in keys {
                try db.execute(sql: "INSERT OR IGNORE INTO seen (search, key, outcome) VALUES (?, ?, 'unsendable')", arguments: [name, key])
            }
            try Self.add(RunCounts(rejected: keys.count), to: name, db)
        }
    }

    /// The run completed: the cursor moves to its last day, its summary is kept, failures are
    /// forgotten, and its batches (all answered) are dropped.
    func completeRun(_ name: String, summary: HarvestRunSummary, dataVersion: String?, nextRunAt: Date) async throws {
        try await write { db in
            try db.execute(sql: """
                UPDATE searches SET cursor = ?, last_run = ?, failures_in_a_row = 0, data_version = COALESCE(?, data_version),
                    next_run_at = ? WHERE name = ?
                """, arguments: [summary.through, Self.json(summary), dataVersion, nextRunAt.timeIntervalSince1970, name])
            for table in ["runs", "batches", "batch_items"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE search = ?", arguments: [name])
            }
        }
    }

    /// A run that was not needed (ClinicalTrials.gov's data unchanged).
    func skipRun(_ name: String, summary: HarvestRunSummary, nextRunAt: Date) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE searches SET last_run = ?, failures_in_a_row = 0, next_run_at = ? WHERE name = ?",
                           arguments: [Self.json(summary), nextRunAt.timeIntervalSince1970, name])
        }
    }

    /// A run failed: the run under way and its batches are kept (the next one resumes it);
    /// failures in a row grow; `pause` pauses the search with that reason. Returns the failures in a row.
    @discardableResult
    func failRun(_ name: String, summary: HarvestRunSummary, pause: String?, nextRunAt: Date) async throws -> Int {
        try await write { db in
            try db.execute(sql: """
                UPDATE searches SET last_run = ?, failures_in_a_row = failures_in_a_row + 1, next_run_at = ?,
                    paused = COALESCE(?, paused) WHERE name = ?
                """, arguments: [Self.json(summary), nextRunAt.timeIntervalSince1970, pause, name])
            try Self.add(RunCounts(errors: 1), to: name, db)
            return try Int.fetchOne(db, sql: "SELECT failures_in_a_row FROM searches WHERE name = ?", arguments: [name]) ?? 0
        }
    }

    // MARK: Helpers

    private static func add(_ counts: RunCounts, to name: String, _ db: Database) throws {
        try db.execute(sql: """
            UPDATE runs SET new = new + ?, duplicates = duplicates + ?, needs_review = needs_review + ?, rejected = rejected + ?,
                errors = errors + ? WHERE search = ?
            """, arguments: [counts.new, counts.duplicates, counts.needsReview, counts.rejected, counts.errors, name])
    }

    private static func json(_ summary: HarvestRunSummary) -> String { String(decoding: WireJSON.encode(summary), as: UTF8.self) }

    private static func search(_ row: Row) throws -> Search {
        let source = HarvestSourceKind(rawValue: row["source"]) ?? .pubmed
        let lastRun = (row["last_run"] as String?).flatMap { try? WireJSON.decode(HarvestRunSummary.self, from: Data($0.utf8)) }
        return Search(name: row["name"], query: SearchQuery(source: source, term: row["query"], condition: row["condition"]),
                      interval: row["interval"], createdAt: Date(timeIntervalSince1970: row["created_at"]), cursor: row["cursor"],
                      dataVersion: row["data_version"], nextRunAt: (row["next_run_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                      failuresInARow: row["failures_in_a_row"], paused: row["paused"], lastRun: lastRun)
    }

    /// A write that completes even when the calling task is being cancelled (at shutdown, at
    /// a pause): GRDB's async writes give up on cancellation, and a lost answer would submit a batch again.
    private func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Task { try await pool.write(updates) }.value
    }
}
