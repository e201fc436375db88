import EvidenceStorage
import Foundation
import GRDB
import WireProtocol

/// Raw SQLite: the store's own schema (created by its migrations), the rows the store would
/// write for new records, 1000 to a transaction, WAL with synchronous=FULL.
public enum RawSQLiteBaseline {
    /// Records per second.
    public static func measure(_ bodies: [Data]) throws -> Double {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-bench-baseline-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        do { _ = try EvidenceDatabase(directory: directory) }  // the real schema; closed again here

        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let pool = try DatabasePool(path: directory.appendingPathComponent(EvidenceDatabase.fileName).path,
                                    configuration: configuration)
        let provenance = #"{"format":"jsonl","record_number":1,"source_file":"synthetic.jsonl","submitted_by":"bench"}"#
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let started = ContinuousClock.now
        for start in stride(from: 0, to: bodies.count, by: 1000) {
            try pool.write { db in
                let record = try db.cachedStatement(sql: """
                    INSERT INTO records (key, doi, pmid, nct, version, status, hash, head_seq) VALUES (?, ?, NULL, NULL, 1, 'active', ?, ?)
                    """)
                let change = try db.cachedStatement(sql: """
                    INSERT INTO changes (seq, record_id, version, kind, status, body, request_id, reason, provenance, committed_at)
                    VALUES (?, ?, 1, 'insert', 'active', ?, ?, NULL, ?, ?)
                    """)
                for index in start..<min(start + 1000, bodies.count) {
                    let seq = Int64(index + 1)
                    let doi = "10.5555/synthetic.\(index)"
                    let hash = Int64(bitPattern: UInt64(ContentHash.fnv1a64(bodies[index]), radix: 16)!)
                    try record.execute(arguments: ["doi:" + doi, doi, hash, seq])
                    try change.execute(arguments: [seq, db.lastInsertedRowID, bodies[index], "bench-\(start)", provenance, now])
                }
            }
        }
        return Double(bodies.count) / (ContinuousClock.now - started).seconds
    }
}
