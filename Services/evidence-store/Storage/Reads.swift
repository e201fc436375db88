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
        try await pool.read { db in try Self.head(db) }
    }

    static func head(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM changes") ?? 0
    }

    /// A record's current state, and with `history` every change to it, oldest first.
    public func record(_ reference: RecordReference, history: Bool) async throws -> (current: StoredChange, history: [StoredChange])? {
        let (column, value): (Column, DatabaseValue) = switch reference {
        case .id(let id): (RecordRow.Columns.id, id.databaseValue)
        case .key(let key): (RecordRow.Columns.key, key.databaseValue)
        case .doi(let doi): (RecordRow.Columns.doi, doi.databaseValue)
        case .pmid(let pmid): (RecordRow.Columns.pmid, pmid.databaseValue)
        case .nct(let nct): (RecordRow.Columns.nct, nct.databaseValue)
        }
        return try await pool.read { db in
            let record = TableAlias<RecordRow>()
            guard let row = try ChangeRow.all().current(of: record)
                .filter(record[column] == value).order(record[RecordRow.Columns.id]).fetchOne(db) else { return nil }
            let current = try row.stored()
            guard history else { return (current, []) }
            let changes = try ChangeRow.filter(ChangeRow.Columns.recordID == current.header.recordID)
                .order(ChangeRow.Columns.seq).fetchAll(db)
            return (current, try changes.map { try $0.stored() })
        }
    }

    /// The other reports of this record's study: records with the same NCT id (a registry
    /// entry and the papers on the trial), by record id.
    public func otherReports(of id: Int64) async throws -> [StoredChange] {
        try await pool.read { db in
            let record = TableAlias<RecordRow>()
            let nct = RecordRow.filter(RecordRow.Columns.id == id).select(RecordRow.Columns.nct)
            return try ChangeRow.all().current(of: record)
                .filter(record[RecordRow.Columns.nct] == nct && record[RecordRow.Columns.id] != id)
                .order(record[RecordRow.Columns.id]).fetchAll(db).map { try $0.stored() }
        }
    }

    /// Changes after `seq`, oldest first, and the head when they were read.
    public func changes(after seq: Int64, limit: Int) async throws -> (changes: [StoredChange], head: Int64) {
        try await pool.read { db in
            let changes = try ChangeRow.filter(ChangeRow.Columns.seq > seq).order(ChangeRow.Columns.seq).limit(limit).fetchAll(db)
            return (try changes.map { try $0.stored() }, try Self.head(db))
        }
    }

    /// Each record's current change, by record id after `afterID`, and the head when read
    /// (the page is consistent at that sequence number: it is read in one transaction).
    public func snapshot(afterID: Int64, limit: Int) async throws -> (records: [StoredChange], head: Int64) {
        try await pool.read { db in
            let record = TableAlias<RecordRow>()
            let changes = try ChangeRow.all().current(of: record)
                .filter(record[RecordRow.Columns.id] > afterID).order(record[RecordRow.Columns.id]).limit(limit).fetchAll(db)
            return (try changes.map { try $0.stored() }, try Self.head(db))
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
                SELECT (SELECT COUNT(*) FROM records) AS records,
                       (SELECT COUNT(*) FROM records WHERE status = 'retracted') AS retracted,
                       (SELECT COUNT(*) FROM records WHERE status = 'needs-review') AS needs_review,
                       (SELECT COUNT(*) FROM changes) AS changes,
                       (SELECT COALESCE(MAX(seq), 0) FROM changes) AS head
                """)!
            return Counts(records: try row.decode(forColumn: "records"), retracted: try row.decode(forColumn: "retracted"),
                          needsReview: try row.decode(forColumn: "needs_review"), changes: try row.decode(forColumn: "changes"),
                          head: try row.decode(forColumn: "head"))
        }
    }
}
