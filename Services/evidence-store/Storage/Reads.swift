import Foundation
import GRDB
import WireProtocol

/// A reference to one record, as `get` takes it.
public enum RecordReference: Sendable {
    case id(Int64), key(String), doi(String), pmid(String), nct(String)
}

extension EvidenceDatabase {
    /// The last sequence number committed (0 for an empty store).
    public func head() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM changes") ?? 0 }
    }

    /// A record's current state, and with `history` every change to it, oldest first.
    public func record(_ reference: RecordReference, history: Bool) async throws -> (current: StoredChange, history: [StoredChange])? {
        let (column, value): (String, DatabaseValue) = switch reference {
        case .id(let id): ("r.id", id.databaseValue)
        case .key(let key): ("r.key", key.databaseValue)
        case .doi(let doi): ("r.doi", doi.databaseValue)
        case .pmid(let pmid): ("r.pmid", pmid.databaseValue)
        case .nct(let nct): ("r.nct", nct.databaseValue)
        }
        return try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT \(ChangeLog.columns) FROM records r JOIN changes c ON c.seq = r.head_seq
                WHERE \(column) = ? ORDER BY r.id LIMIT 1
                """, arguments: [value]) else { return nil }
            let current = try ChangeLog.change(row)
            guard history else { return (current, []) }
            let rows = try Row.fetchAll(db, sql: "SELECT \(ChangeLog.columns) FROM changes c WHERE c.record_id = ? ORDER BY c.seq",
                                        arguments: [current.header.recordID])
            return (current, try rows.map(ChangeLog.change))
        }
    }

    /// The other reports of this record's study: records with the same NCT id (a registry
    /// entry and the papers on the trial), by record id.
    public func otherReports(of id: Int64) async throws -> [StoredChange] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(ChangeLog.columns) FROM records r JOIN changes c ON c.seq = r.head_seq
                WHERE r.nct = (SELECT nct FROM records WHERE id = ?) AND r.id != ? ORDER BY r.id
                """, arguments: [id, id]).map(ChangeLog.change)
        }
    }

    /// Changes after `seq`, oldest first, and the head when they were read.
    public func changes(after seq: Int64, limit: Int) async throws -> (changes: [StoredChange], head: Int64) {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT \(ChangeLog.columns) FROM changes c WHERE c.seq > ? ORDER BY c.seq LIMIT ?",
                                        arguments: [seq, limit])
            let head = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM changes") ?? 0
            return (try rows.map(ChangeLog.change), head)
        }
    }

    /// Each record's current change, by record id after `afterID`, and the head when read
    /// (the page is consistent at that sequence number: it is read in one transaction).
    public func snapshot(afterID: Int64, limit: Int) async throws -> (records: [StoredChange], head: Int64) {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(ChangeLog.columns) FROM records r JOIN changes c ON c.seq = r.head_seq
                WHERE r.id > ? ORDER BY r.id LIMIT ?
                """, arguments: [afterID, limit])
            let head = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM changes") ?? 0
            return (try rows.map(ChangeLog.change), head)
        }
    }

    public struct Counts: Sendable {
        public var records: Int
        public var retracted: Int
        public var needsReview: Int
        public var changes: Int
        public var head: Int64
    }

    public func counts() async throws -> Counts {
        try await pool.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT (SELECT COUNT(*) FROM records), (SELECT COUNT(*) FROM records WHERE status = 'retracted'),
                       (SELECT COUNT(*) FROM records WHERE status = 'needs-review'),
                       (SELECT COUNT(*) FROM changes), (SELECT COALESCE(MAX(seq), 0) FROM changes)
                """)!
            return Counts(records: row[0], retracted: row[1], needsReview: row[2], changes: row[3], head: row[4])
        }
    }
}
