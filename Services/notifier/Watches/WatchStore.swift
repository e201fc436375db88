import EvidenceModel
import Foundation
import GRDB
import WireProtocol

/// The notifier's own database: watches, each with its cursor in the store's change log,
/// and the dead letters. Written as watches advance, so that after a crash every watch
/// resumes from the last change it dealt with.
final class WatchStore: Sendable {
    static let fileName = "notifier.sqlite"
    let pool: DatabasePool
    let path: String

    struct Watch: Sendable {
        var name: String
        var filter: EvidenceFilter
        var stream: Bool
        var webhook: URL?
        var secret: String?
        var cursor: Int64
        var delivered: Int
        var failures: Int
        var deadInARow: Int
        var paused: String?
        /// How many times the watch was rewound for a replay: progress a worker made before
        /// the latest rewind is not saved over it.
        var rewinds: Int
    }

    init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent(Self.fileName).path
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)
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
        if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
            throw ErrorBody(code: .internal, message: "\(path) was written by a newer ldn-notifier")
        }
        try migrator.migrate(pool)
    }

    func all() async throws -> [Watch] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM watches ORDER BY name").map(Self.watch) }
    }

    func watch(_ name: String) async throws -> Watch? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM watches WHERE name = ?", arguments: [name]).map(Self.watch) }
    }

    /// A watch as stored. One whose filter no longer reads is kept paused, saying why: an
    /// empty filter in its place would announce every change.
    static func watch(_ row: Row) -> Watch {
        var paused: String? = row["paused"]
        let filter: EvidenceFilter
        do {
            filter = try WireJSON.decode(EvidenceFilter.self, from: Data((row["filter"] as String).utf8))
        } catch {
            filter = EvidenceFilter()
            paused = "its stored filter cannot be read (\(error)); remove the watch and add it again"
        }
        return Watch(name: row["name"], filter: filter, stream: row["stream"], webhook: (row["webhook"] as String?).flatMap(URL.init(string:)),
                     secret: row["secret"], cursor: row["cursor"], delivered: row["delivered"], failures: row["failures"],
                     deadInARow: row["dead_in_a_row"], paused: paused, rewinds: row["rewinds"])
    }

    /// Adds a watch; false when the name is taken.
    func add(_ watch: Watch) async throws -> Bool {
        try await pool.write { db in
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM watches WHERE name = ?", arguments: [watch.name]) == 0 else {
                return false
            }
            try db.execute(sql: """
                INSERT INTO watches (name, filter, stream, webhook, secret, cursor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [watch.name, String(decoding: WireJSON.encode(watch.filter), as: UTF8.self), watch.stream,
                                 watch.webhook?.absoluteString, watch.secret, watch.cursor, Int64(Date().timeIntervalSince1970)])
            return true
        }
    }

    func remove(_ name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM watches WHERE name = ?", arguments: [name])
            let removed = db.changesCount > 0
            try db.execute(sql: "DELETE FROM dead_letters WHERE watch = ?", arguments: [name])
            return removed
        }
    }

    /// Records each watch's progress (its cursor, and the deliveries and failures since its
    /// last save) in one transaction. For each: false when the watch was removed or rewound
    /// since the worker read it, so the worker starts again from what is saved.
    func advance(_ updates: [ProgressWriter.Progress]) async throws -> [Bool] {
        try await pool.write { db in
            try updates.map { update in
                try db.execute(sql: """
                    UPDATE watches SET cursor = ?, delivered = delivered + ?, failures = failures + ?, dead_in_a_row = ?
                    WHERE name = ? AND rewinds = ?
                    """, arguments: [update.cursor, update.delivered, update.failures, update.deadInARow, update.watch, update.rewinds])
                return db.changesCount > 0
            }
        }
    }

    func setPaused(_ name: String, reason: String?) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE watches SET paused = ?, dead_in_a_row = CASE WHEN ? IS NULL THEN 0 ELSE dead_in_a_row END WHERE name = ?",
                           arguments: [reason, reason, name])
        }
    }

    /// Moves a watch back to just before `seq`, so it delivers again from there.
    func rewind(_ name: String, to seq: Int64) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE watches SET cursor = ?, rewinds = rewinds + 1 WHERE name = ?", arguments: [max(seq - 1, 0), name])
        }
    }

    func addDeadLetter(_ letter: DeadLetter) async throws {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO dead_letters (watch, seq, key, attempts, last_status, last_error, at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [letter.watch, letter.seq, letter.key, letter.attempts, letter.lastStatus, letter.lastError,
                                 Int64(letter.at.timeIntervalSince1970)])
        }
    }

    func deadLetters(limitPerWatch: Int = 20) async throws -> [DeadLetter] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM dead_letters d WHERE id IN
                  (SELECT id FROM dead_letters WHERE watch = d.watch ORDER BY id DESC LIMIT ?)
                ORDER BY watch, id
                """, arguments: [limitPerWatch]).map { row in
                DeadLetter(watch: row["watch"], seq: row["seq"], key: row["key"], attempts: row["attempts"],
                           lastStatus: row["last_status"], lastError: row["last_error"],
                           at: Date(timeIntervalSince1970: Double(row["at"] as Int64)))
            }
        }
    }

    func deadLetterCounts() async throws -> [String: Int] {
        try await pool.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT watch, COUNT(*) FROM dead_letters GROUP BY watch")
                .map { ($0[0] as String, $0[1] as Int) })
        }
    }

    /// A write that completes even when the calling task is being cancelled (at shutdown):
    /// GRDB's async writes give up on cancellation, and a lost cursor repeats deliveries.
    private func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Task { try await pool.write(updates) }.value
    }
}
