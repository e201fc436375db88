import Foundation
import GRDB
import Synchronization

/// Counts a search needs that walk a whole list of matches: how many records contain each
/// phrase (BM25 weighs words by it, `FullTextRankFunction`; 20 ms for a word in each of a
/// million records, every time, for FTS5's own `bm25`), and how many match a query under the
/// default filter (its total). Each count is kept for the state of the copy it was counted
/// in — its position, with FTS5's row and token totals — and counted again once the copy has
/// moved on. So a count is always exact for the snapshot a search reads, and after a change
/// each is counted once more. The ranking itself is computed for every search.
final class SearchCounts: Sendable {
    /// The copy's state a count belongs to.
    private struct Version: Equatable {
        let seq: Int64
        /// FTS5's averages record (rows and tokens per column), which every index change rewrites.
        let totals: Data
    }

    private struct State {
        var version: Version?
        var counts: [String: Int64] = [:]
    }

    /// Counts kept at most; past that the kept ones are dropped and counted again when asked.
    static let capacity = 4096
    private let state = Mutex(State())

    /// The count under each key in `db`'s snapshot: the kept one, or `count(index of the key)`'s.
    func counts(_ keys: [String], in db: Database, count: (Int) throws -> Int64) throws -> [Int64] {
        let version = try Self.version(db)
        var counts: [Int64?] = state.withLock { state in
            keys.map { state.version == version ? state.counts[$0] : nil }
        }
        var counted: [String: Int64] = [:]
        for (index, key) in keys.enumerated() where counts[index] == nil {
            let value = try counted[key] ?? count(index)
            (counted[key], counts[index]) = (value, value)
        }
        if let version, !counted.isEmpty {
            state.withLock { state in
                if state.version != version {
                    // A search still reading an older snapshot keeps its counts to itself.
                    if let kept = state.version, kept.seq > version.seq { return }
                    state = State(version: version)
                }
                if state.counts.count + counted.count > Self.capacity { state.counts.removeAll() }
                state.counts.merge(counted) { $1 }
            }
        }
        return counts.map { $0 ?? 0 }
    }

    /// The count under `key` in `db`'s snapshot: the kept one, or `count()`'s.
    func count(_ key: String, in db: Database, count: () throws -> Int64) throws -> Int64 {
        try counts([key], in: db) { _ in try count() }[0]
    }

    /// How many records contain each phrase (a `FilterSQL.match` of one word).
    func phraseHits(_ phrases: [String], in db: Database) throws -> [Int64] {
        try counts(phrases.map { "records with \($0)" }, in: db) { index in try Self.records(matching: phrases[index], in: db) }
    }

    /// How many records match an FTS5 query, counted (every record has one row in the index).
    static func records(matching match: String, in db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM records_fts WHERE records_fts MATCH ?", arguments: [match]) ?? 0
    }

    /// Nil at position 0: a snapshot of records is being loaded, and the copy changes without
    /// its position moving.
    private static func version(_ db: Database) throws -> Version? {
        let row = try Row.fetchOne(db, sql: """
            SELECT (SELECT value FROM replica WHERE name = 'applied_seq') AS seq,
                   (SELECT block FROM records_fts_data WHERE id = 1) AS totals
            """)
        guard let row, let seq: Int64 = row["seq"], seq > 0 else { return nil }
        return Version(seq: seq, totals: row["totals"] ?? Data())
    }
}
