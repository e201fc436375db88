import Foundation
import GRDB
import MetaAnalysis
import WireProtocol

/// One record in a synthesis watch's set, as stored: its JSON as of the change that brought
/// this version. Kept by record id, which a re-keyed record keeps.
struct StoredCandidate: Sendable, Hashable {
    var recordID: Int64
    var key: String
    var seq: Int64
    var body: Data
}

/// A synthesis watch's state as saved: its set of records and its figures as of its cursor
/// (nil while the set is still being built up to `synthesisBaseline`).
struct SavedSynthesis: Sendable {
    var candidates: [StoredCandidate]
    var headline: SynthesisHeadline?
}

/// What changed in a synthesis watch's state since its last save, saved with its cursor.
struct SynthesisProgress: Sendable {
    /// By record id: the new version, or nil for a record that left the set.
    var changed: [Int64: StoredCandidate?] = [:]
    /// The figures as of the cursor, when set (or reset: see `headlineChanged`).
    var headline: SynthesisHeadline?
    var headlineChanged = false

    var isEmpty: Bool { changed.isEmpty && !headlineChanged }
}

extension WatchStore {
    /// A watch and, for a synthesis watch, its saved state, read in one transaction so that
    /// the set and the figures are those of the cursor read with them.
    func watchWithSynthesis(_ name: String) async throws -> (Watch, SavedSynthesis?)? {
        let read: (Watch, SavedSynthesis?)? = try await pool.read { db in
            guard let watch = try Watch.fetchOne(db, key: name) else { return nil }
            guard watch.synthesis != nil else { return (watch, nil) }
            let candidates = try Row.fetchAll(db, sql: """
                SELECT record_id, key, seq, record FROM synthesis_candidates WHERE watch = ? ORDER BY record_id
                """, arguments: [name]).map { row in
                StoredCandidate(recordID: row["record_id"], key: row["key"], seq: row["seq"], body: row["record"])
            }
            return (watch, SavedSynthesis(candidates: candidates, headline: watch.synthesisHeadline))
        }
        return read.map { (unsealed($0.0), $0.1) }
    }

    /// Within `advance`'s transaction: a synthesis watch's set changes and figures.
    static func save(_ progress: SynthesisProgress, of watch: String, _ db: Database) throws {
        for (recordID, candidate) in progress.changed {
            if let candidate {
                try db.execute(sql: """
                    INSERT OR REPLACE INTO synthesis_candidates (watch, record_id, key, seq, record) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [watch, recordID, candidate.key, candidate.seq, candidate.body])
            } else {
                try db.execute(sql: "DELETE FROM synthesis_candidates WHERE watch = ? AND record_id = ?", arguments: [watch, recordID])
            }
        }
        if progress.headlineChanged {
            try db.execute(sql: "UPDATE watches SET synthesis_headline = ? WHERE name = ?",
                           arguments: [progress.headline.map { String(decoding: WireJSON.encode($0), as: UTF8.self) }, watch])
        }
    }
}
