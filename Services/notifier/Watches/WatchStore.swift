import EvidenceModel
import Foundation
import GRDB
import ServiceDatabase
import MetaAnalysis
import WireProtocol

/// The notifier's own database: watches, each with its cursor in the store's change log,
/// and the dead letters. Written as watches advance, so that after a crash every watch
/// resumes from the last change it dealt with. Webhook secrets are kept sealed
/// (`SecretSealer`); a `Watch` holds its secret in clear.
final class WatchStore: Sendable {
    static let fileName = "notifier.sqlite"
    let pool: DatabasePool
    let path: String
    private let sealer: SecretSealer
    /// Where the sealing key came from, for messages.
    var sealerSource: String { sealer.source }

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
        /// The identity that added it, when the notifier had keys; only it and admins manage or follow it.
        var owner: String?
        /// What a synthesis watch follows (its `filter` is then unused); nil for a plain watch.
        var synthesis: SynthesisQuestion?
        /// A synthesis watch delivers for changes after this one: up to it, changes only build
        /// its set of records (from the store's head at `watch.add`, or a replay's start).
        var synthesisBaseline: Int64 = 0
        /// A synthesis watch's figures as of its cursor, as last saved; nil until its set is built.
        var synthesisHeadline: SynthesisHeadline?
    }

    init(directory: URL, sealer: SecretSealer) throws {
        self.sealer = sealer
        (pool, path) = try ServiceDatabase.open(Self.fileName, in: directory, migrator: WatchMigrations.migrator,
                                                writtenBy: "ldn-notifier")
        try sealSecretsInClear()
    }

    /// Seals the secrets that releases before `SecretSealer` stored in clear. Not a
    /// migration: it needs the key, which a migration must not depend on, so it runs at
    /// every start and finds nothing to do once every secret is sealed. When it sealed some,
    /// the file is rewritten (VACUUM) and the log emptied, so that no copy in clear stays
    /// behind in freed space or in the write-ahead log.
    private func sealSecretsInClear() throws {
        let sealed = try pool.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT name, secret FROM watches WHERE secret IS NOT NULL AND secret NOT LIKE ?",
                                        arguments: [SecretSealer.sealedPrefix + "%"])
            for row in rows {
                let name: String = row["name"]
                try db.execute(sql: "UPDATE watches SET secret = ? WHERE name = ?",
                               arguments: [try sealer.seal(row["secret"], watch: name), name])
            }
            return rows.count
        }
        guard sealed > 0 else { return }
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "VACUUM")
            try db.checkpoint(.truncate)
        }
    }

    /// The watches whose secrets do not open with this key (sealed with another): they read
    /// back paused, saying why.
    func secretsThatDoNotOpen() async throws -> [String] {
        try await all().filter { $0.secret == nil && $0.webhook != nil }.map(\.name)
    }

    /// The watch with its secret in clear. One whose secret does not open is kept paused,
    /// saying why: a webhook without its secret cannot be signed.
    func unsealed(_ watch: Watch) -> Watch {
        guard let stored = watch.secret, SecretSealer.isSealed(stored) else { return watch }
        var watch = watch
        do {
            watch.secret = try sealer.unseal(stored, watch: watch.name)
        } catch {
            watch.secret = nil
            watch.paused = watch.paused ?? "its webhook secret does not open with the key in \(sealer.source) (sealed with another key?); "
                + "start the notifier with the key it was sealed with (--secrets-key), or remove the watch and add it again"
        }
        return watch
    }

    func all() async throws -> [Watch] {
        try await pool.read { db in try Watch.order(Watch.Columns.name).fetchAll(db) }.map(unsealed)
    }

    func watch(_ name: String) async throws -> Watch? {
        try await pool.read { db in try Watch.fetchOne(db, key: name) }.map(unsealed)
    }

    /// Who owns a watch, read at once (for the stream's socket thread, which cannot await):
    /// `.some(nil)` for a watch without an owner, nil for no such watch.
    func ownerNow(of name: String) throws -> String?? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT owner FROM watches WHERE name = ?", arguments: [name]).map { $0["owner"] as String? }
        }
    }

    /// Adds a watch; false when the name is taken.
    func add(_ watch: Watch) async throws -> Bool {
        try await pool.write { db in
            guard try !Watch.exists(db, key: watch.name) else { return false }
            try db.execute(sql: """
                INSERT INTO watches (name, filter, stream, webhook, secret, cursor, created_at, owner, synthesis, synthesis_baseline)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [watch.name, String(decoding: WireJSON.encode(watch.filter), as: UTF8.self), watch.stream,
                                 watch.webhook?.absoluteString, try watch.secret.map { try sealer.seal($0, watch: watch.name) },
                                 watch.cursor, Int64(Date().timeIntervalSince1970), watch.owner,
                                 watch.synthesis.map { String(decoding: WireJSON.encode($0), as: UTF8.self) }, watch.synthesisBaseline])
            return true
        }
    }

    func remove(_ name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM watches WHERE name = ?", arguments: [name])
            let removed = db.changesCount > 0
            try db.execute(sql: "DELETE FROM dead_letters WHERE watch = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM synthesis_candidates WHERE watch = ?", arguments: [name])
            return removed
        }
    }

    /// Records each watch's progress (its cursor, and the deliveries and failures since its
    /// last save; for a synthesis watch, also its set of records and figures) in one
    /// transaction. For each: false when the watch was removed or rewound since the worker
    /// read it, so the worker starts again from what is saved.
    func advance(_ updates: [ProgressWriter.Progress]) async throws -> [Bool] {
        try await pool.write { db in
            // Prepared once per connection: a group commit saves every woken watch's progress,
            // and compiling this statement each time was a tenth of the notifier's CPU.
            let statement = try db.cachedStatement(sql: """
                UPDATE watches SET cursor = ?, delivered = delivered + ?, failures = failures + ?, dead_in_a_row = ?
                WHERE name = ? AND rewinds = ?
                """)
            return try updates.map { update in
                try statement.execute(arguments: [update.cursor, update.delivered, update.failures, update.deadInARow,
                                                  update.watch, update.rewinds])
                guard db.changesCount > 0 else { return false }
                if let synthesis = update.synthesis { try Self.save(synthesis, of: update.watch, db) }
                return true
            }
        }
    }

    func setPaused(_ name: String, reason: String?) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE watches SET paused = ?, dead_in_a_row = CASE WHEN ? IS NULL THEN 0 ELSE dead_in_a_row END WHERE name = ?",
                           arguments: [reason, reason, name])
        }
    }

    /// Moves a watch back to just before `seq`, so it delivers again from there. A synthesis
    /// watch starts again from an empty set at the start of the log and rebuilds it up to
    /// `seq - 1` without delivering: its figures before `seq` are then those it had then.
    func rewind(_ name: String, to seq: Int64) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                UPDATE watches SET cursor = CASE WHEN synthesis IS NULL THEN ?1 ELSE 0 END, rewinds = rewinds + 1,
                    synthesis_baseline = CASE WHEN synthesis IS NULL THEN synthesis_baseline ELSE ?1 END, synthesis_headline = NULL
                WHERE name = ?2
                """, arguments: [max(seq - 1, 0), name])
            try db.execute(sql: "DELETE FROM synthesis_candidates WHERE watch = ?", arguments: [name])
        }
    }

    /// The id of the store history the cursors belong to; nil while none was heard.
    func followedStoreID() async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT store_id FROM followed_store") }
    }

    func setFollowedStoreID(_ id: String) async throws {
        try await write { db in try db.execute(sql: "UPDATE followed_store SET store_id = ?", arguments: [id]) }
    }

    /// The store was restored (another history, whose head is `head`), in one transaction:
    /// - a plain watch goes on from `min(cursor, head)`: a cursor past the head counted
    ///   changes the store no longer has, and the restored store's changes up to its head
    ///   are, up to the backup's sequence, the very ones delivered before: none is sent twice;
    /// - a synthesis watch drops its set (records the store may no longer have) and rebuilds
    ///   it from the restored log up to `head` without delivering, as a replay does;
    /// - `rewinds` grows, so that progress a worker made in the old history is not saved
    ///   over this.
    func followRestoredStore(storeID: String?, head: Int64) async throws {
        try await write { db in
            try db.execute(sql: """
                UPDATE watches SET cursor = CASE WHEN synthesis IS NULL THEN MIN(cursor, ?1) ELSE 0 END, rewinds = rewinds + 1,
                    synthesis_baseline = CASE WHEN synthesis IS NULL THEN synthesis_baseline ELSE ?1 END,
                    synthesis_headline = CASE WHEN synthesis IS NULL THEN synthesis_headline ELSE NULL END
                """, arguments: [head])
            try db.execute(sql: "DELETE FROM synthesis_candidates")
            try db.execute(sql: "UPDATE followed_store SET store_id = ?", arguments: [storeID])
        }
    }

    func addDeadLetter(_ letter: DeadLetter) async throws {
        try await write { db in
            try DeadLetterRow(letter).insert(db)
        }
    }

    func deadLetters(limitPerWatch: Int = 20) async throws -> [DeadLetter] {
        try await pool.read { db in
            try DeadLetterRow.fetchAll(db, sql: """
                SELECT * FROM dead_letters d WHERE id IN
                  (SELECT id FROM dead_letters WHERE watch = d.watch ORDER BY id DESC LIMIT ?)
                ORDER BY watch, id
                """, arguments: [limitPerWatch]).map(\.letter)
        }
    }

    func deadLetterCounts() async throws -> [String: Int] {
        try await pool.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT watch, COUNT(*) AS letters FROM dead_letters GROUP BY watch")
                .map { ($0["watch"] as String, $0["letters"] as Int) })
        }
    }

    /// A write that completes even when the calling task is being cancelled (at shutdown):
    /// GRDB's async writes give up on cancellation, and a lost cursor repeats deliveries.
    private func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Task { try await pool.write(updates) }.value
    }
}
