import EvidenceModel
import Foundation
import GRDB

/// Fills the columns later migrations add to changes committed before them, as well as the
/// stored data allows. Runs once, inside its migration's transaction.
enum Backfill {
    static let page = 1000

    /// v3: the key each change was published with. Replays each record's history as the
    /// writer derived keys: an insert takes its record's dedup key, an update merges its
    /// record's identifiers into the record's (`RecordIdentity`), a retraction keeps the key.
    /// The replay must end at the key the record has now; when it does not (a change whose
    /// JSON no longer reads as a record, or a key rule changed since), every change of that
    /// record keeps the current key, which is what reads showed before this migration.
    static func changeKeys(_ db: Database) throws {
        var afterID: Int64 = 0
        let update = try db.makeStatement(sql: "UPDATE changes SET key = ?, previous_key = ? WHERE seq = ?")
        while let lastID = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM (SELECT id FROM records WHERE id > ? ORDER BY id LIMIT ?)",
                                              arguments: [afterID, page]) {
            let rows = try Row.fetchAll(db, sql: """
                SELECT c.seq, c.record_id, c.kind, c.body, r.key FROM changes c JOIN records r ON r.id = c.record_id
                WHERE c.record_id > ? AND c.record_id <= ? ORDER BY c.record_id, c.seq
                """, arguments: [afterID, lastID])
            var start = 0
            while start < rows.count {
                let recordID: Int64 = rows[start]["record_id"]
                var end = start
                while end < rows.count && (rows[end]["record_id"] as Int64) == recordID { end += 1 }
                for (seq, key, previous) in replayKeys(rows[start..<end]) {
                    try update.execute(arguments: [key, previous, seq])
                }
                start = end
            }
            afterID = lastID
        }
    }

    /// One record's changes (oldest first) with the key and previous key each was published with.
    static func replayKeys(_ changes: ArraySlice<Row>) -> [(seq: Int64, key: String, previous: String?)] {
        guard let currentKey: String = changes.first?["key"] else { return [] }
        var identity: RecordIdentity?
        var replayed: [(seq: Int64, key: String, previous: String?)] = []
        for row in changes {
            let record = RecordIntake.evaluate(row["body"] as Data).record
            let before = identity
            switch row["kind"] as String {
            case "insert":
                identity = record.map { RecordIdentity(key: $0.dedupKey, doi: $0.identifiers.doi, pmid: $0.identifiers.pmid,
                                                       nct: $0.identifiers.nct) }
            case "update":
                identity = record.flatMap { record in
                    before?.merging(doi: record.identifiers.doi, pmid: record.identifiers.pmid, nct: record.identifiers.nct)
                }
            default:
                break
            }
            guard let identity else { break }
            let previous = before.map(\.key).flatMap { $0 == identity.key ? nil : $0 }
            replayed.append((row["seq"], identity.key, previous))
        }
        if replayed.count == changes.count, replayed.last?.key == currentKey { return replayed }
        return changes.map { ($0["seq"], currentKey, nil) }
    }

    /// v4: the hash of each change's JSON. A record's current change takes the hash the record
    /// was committed with (`records.hash`), so JSON damaged before the upgrade is still found;
    /// earlier changes had no hash of their own, and take that of their JSON as it is now.
    /// Every statement looks rows up by primary key: linear in the size of the store.
    static func changeHashes(_ db: Database) throws {
        var afterSeq: Int64 = 0
        let update = try db.makeStatement(sql: "UPDATE changes SET body_hash = ? WHERE seq = ?")
        while true {
            let rows = try Row.fetchAll(db, sql: "SELECT seq, body FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
                                        arguments: [afterSeq, page])
            guard let last = rows.last else { break }
            for row in rows { try update.execute(arguments: [ChangeIntegrity.hash(row["body"]), row["seq"] as Int64]) }
            afterSeq = last["seq"]
        }
        let heads = try Row.fetchCursor(db, sql: "SELECT head_seq, hash FROM records")
        while let head = try heads.next() {
            try update.execute(arguments: [head["hash"] as Int64, head["head_seq"] as Int64])
        }
    }
}
