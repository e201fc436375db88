import Foundation
import GRDB
import Replication
import ServiceKit
import WireProtocol

/// The replica's quarantine: changes it could not apply, with the body as served, so an
/// operator can see what was skipped and compare it with the store (`ldn get`).
extension ReplicaDatabase {
    /// Keeps `change` in the quarantine (once per seq: catching up can see a change twice).
    static func quarantine(_ change: ReadChange, in db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO quarantine (seq, record_id, key, reason, body, quarantined_at) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [change.header.seq, change.headerRead ? change.header.recordID : nil,
                                     change.headerRead ? change.header.key : nil, change.problem ?? "not applied",
                                     change.body, Int64(Date().timeIntervalSince1970)])
    }

    /// How many changes are in the quarantine.
    func quarantinedCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM quarantine") ?? 0 }
    }

    /// The change quarantined last, for `status` after a restart.
    func lastQuarantined() async throws -> SkippedChange? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT seq, record_id, key, reason, quarantined_at FROM quarantine ORDER BY quarantined_at DESC, seq DESC LIMIT 1
                """).map { row in
                SkippedChange(seq: row["seq"], recordID: row["record_id"], key: row["key"], reason: row["reason"],
                              at: Date(timeIntervalSince1970: TimeInterval(row["quarantined_at"] as Int64)))
            }
        }
    }
}
