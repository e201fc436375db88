import EvidenceModel
import Foundation
import GRDB
import WireProtocol

/// One request that changes the store, waiting to be committed.
public struct PendingWrite: Sendable {
    public enum Operation: Sendable {
        case write([PreparedRecord])
        case retract(id: Int64, reason: String)
    }

    public let requestID: String
    public let operation: Operation

    public init(requestID: String, operation: Operation) {
        self.requestID = requestID
        self.operation = operation
    }
}

/// A record to write, with what can be worked out before the transaction already worked
/// out, so that the single writer does nothing but write.
public struct PreparedRecord: Sendable {
    public let item: WriteItem
    /// The canonical record JSON.
    public let body: Data
    public let hash: Int64
    public let provenanceJSON: String?

    public init(item: WriteItem, body: Data) {
        self.item = item
        self.body = body
        self.hash = Int64(bitPattern: UInt64(item.hash, radix: 16) ?? 0)
        self.provenanceJSON = item.provenance.map { String(decoding: $0.jsonData, as: UTF8.self) }
    }
}

/// The answer to one request, and the changes it made (to publish after the commit).
public struct WriteOutcome: Sendable {
    public let requestID: String
    /// The encoded reply body, byte for byte what was first sent for this request id;
    /// or the error to answer with (nothing was written).
    public let reply: Result<Data, ErrorBody>
    public let changes: [(header: ChangeHeader, body: Data)]
    /// True when the request id had been seen before and nothing was written.
    public let replayed: Bool
}

extension EvidenceDatabase {
    /// Commits a group of write requests in one transaction (group commit): one fsync for
    /// all of them. Returns after the commit, so every outcome is durable when returned.
    public func commit(_ writes: [PendingWrite]) async throws -> [WriteOutcome] {
        try await pool.write { db in
            var writer = try BatchWriter(db)
            return try writes.map { try writer.apply($0) }
        }
    }
}

/// Applies write requests inside one transaction.
private struct BatchWriter {
    let db: Database
    let now = Date()
    let nowMillis: Int64
    var head: Int64

    init(_ db: Database) throws {
        self.db = db
        nowMillis = Int64(now.timeIntervalSince1970 * 1000)
        head = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM changes") ?? 0
    }

    struct Existing {
        let id: Int64
        let key: String
        let doi: String?, pmid: String?, nct: String?
        let version: Int
        let status: RecordStatus
        let hash: Int64
    }

    mutating func apply(_ write: PendingWrite) throws -> WriteOutcome {
        if let reply = try Data.fetchOne(db.cachedStatement(sql: "SELECT reply FROM requests WHERE id = ?"),
                                         arguments: [write.requestID]) {
            return WriteOutcome(requestID: write.requestID, reply: .success(reply), changes: [], replayed: true)
        }
        let (result, changes): (Result<Data, ErrorBody>, [(header: ChangeHeader, body: Data)])
        switch write.operation {
        case .write(let records):
            (result, changes) = try store(records, requestID: write.requestID)
        case let .retract(id, reason):
            (result, changes) = try retract(id, reason: reason, requestID: write.requestID)
        }
        if case .success(let reply) = result {
            try db.cachedStatement(sql: "INSERT INTO requests (id, reply, created_at) VALUES (?, ?, ?)")
                .execute(arguments: [write.requestID, reply, nowMillis])
        }
        return WriteOutcome(requestID: write.requestID, reply: result, changes: changes, replayed: false)
    }

    mutating func store(_ records: [PreparedRecord],
                        requestID: String) throws -> (Result<Data, ErrorBody>, [(header: ChangeHeader, body: Data)]) {
        var results: [RecordResult] = []
        var changes: [(header: ChangeHeader, body: Data)] = []
        results.reserveCapacity(records.count)
        for (index, record) in records.enumerated() {
            // Most records of a load are new: try the insert first, and look for the stored
            // record only when the key or the PMID is already taken.
            if let change = try insertIfNew(record, requestID: requestID) {
                changes.append((change, record.body))
                results.append(RecordResult(index: index, outcome: .accepted, id: change.recordID, key: change.key,
                                            version: 1, seq: change.seq))
                continue
            }
            guard let existing = try find(record.item) else {
                throw StorageError.damaged(path: "records", problem: "a record conflicts on key or PMID but cannot be found")
            }
            let incoming = record.item.provenance?.initialStatus ?? .active
            if existing.hash == record.hash && (existing.status != .needsReview || incoming == .needsReview) {
                results.append(RecordResult(index: index, outcome: .duplicate, id: existing.id, key: existing.key,
                                            version: existing.version))
                continue
            }
            // A partial import never replaces what a reviewer completed, and a bibliographic
            // import never replaces a record submitted as a record (curated: outcomes, dose…).
            if let reason = try importNotApplied(record.item, incoming: incoming, over: existing) {
                results.append(RecordResult(index: index, outcome: .duplicate, id: existing.id, key: existing.key,
                                            version: existing.version, warnings: [Problem(field: "record", message: reason)]))
                continue
            }
            let change = try update(existing, with: record, requestID: requestID)
            changes.append((change, record.body))
            results.append(RecordResult(index: index, outcome: .updated, id: change.recordID, key: change.key,
                                        version: change.version, seq: change.seq))
        }
        return (.success(WireJSON.encode(WriteReply(results: results, head: head))), changes)
    }

    /// Marks a record retracted with a reason; the record and its history stay. Retracting
    /// a retracted record changes nothing and answers with its current state.
    mutating func retract(_ id: Int64, reason: String,
                          requestID: String) throws -> (Result<Data, ErrorBody>, [(header: ChangeHeader, body: Data)]) {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT r.key, r.version, r.status, r.head_seq, c.body FROM records r JOIN changes c ON c.seq = r.head_seq WHERE r.id = ?
            """), arguments: [id]) else {
            return (.failure(ErrorBody(code: .notFound, message: "no record with id \(id)")), [])
        }
        let key: String = row[0], version: Int = row[1], status: String = row[2], body: Data = row[4]
        if status == RecordStatus.retracted.rawValue {
            let current = try ChangeHeader.fetch(seq: row[3], in: db)
            return (.success(WireJSON.encode(RetractReply(change: current, changed: false))), [])
        }
        head += 1
        try db.cachedStatement(sql: "UPDATE records SET status = 'retracted', head_seq = ? WHERE id = ?").execute(arguments: [head, id])
        let change = ChangeHeader(seq: head, kind: .retract, recordID: id, key: key, version: version, status: .retracted,
                                  committedAt: now, requestID: requestID, reason: reason)
        try appendChange(change, body: body, provenanceJSON: nil)
        return (.success(WireJSON.encode(RetractReply(change: change, changed: true))), [(change, body)])
    }

    /// The stored record this item is a submission of: the same dedup key, else the same PMID.
    /// A record's key is always the strongest of its identifiers (see `update`), so a DOI is
    /// found by key; a PMID may belong to a record keyed by its DOI. (An NCT id alone does not
    /// decide: a registry entry and the paper reporting the trial are two records.)
    func find(_ item: WriteItem) throws -> Existing? {
        let columns = "SELECT id, key, doi, pmid, nct, version, status, hash FROM records WHERE"
        if let row = try Row.fetchOne(db.cachedStatement(sql: "\(columns) key = ?"), arguments: [item.key]) {
            return existing(row)
        }
        if let pmid = item.pmid,
           let row = try Row.fetchOne(db.cachedStatement(sql: "\(columns) pmid = ?"), arguments: [pmid]) {
            return existing(row)
        }
        return nil
    }

    /// Why an import must leave the stored record as it is, or nil when it may update it.
    func importNotApplied(_ item: WriteItem, incoming: RecordStatus, over existing: Existing) throws -> String? {
        if incoming == .needsReview && existing.status != .needsReview {
            return "the study is already stored complete (record \(existing.id)); this partial import was not applied"
        }
        guard item.provenance?.original != nil else { return nil }
        let latest = try String.fetchOne(db.cachedStatement(sql: """
            SELECT provenance FROM changes WHERE record_id = ? AND kind != 'retract' ORDER BY seq DESC LIMIT 1
            """), arguments: [existing.id])
        let curated = latest.flatMap { try? WireJSON.decode(Provenance.self, from: Data($0.utf8)) }?.original == nil
        return curated
            ? "the study is stored as a curated record (record \(existing.id)); an import does not replace it — submit JSON, JSON Lines or CSV to change it"
            : nil
    }

    func existing(_ row: Row) -> Existing {
        Existing(id: row[0], key: row[1], doi: row[2], pmid: row[3], nct: row[4], version: row[5],
                 status: RecordStatus(rawValue: row[6]) ?? .active, hash: row[7])
    }

    /// Inserts the record when neither its key nor its PMID is taken; nil when one is.
    mutating func insertIfNew(_ record: PreparedRecord, requestID: String) throws -> ChangeHeader? {
        let item = record.item, status = item.provenance?.initialStatus ?? .active
        try db.cachedStatement(sql: """
            INSERT INTO records (key, doi, pmid, nct, version, status, hash, head_seq) VALUES (?, ?, ?, ?, 1, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """).execute(arguments: [item.key, item.doi, item.pmid, item.nct, status.rawValue, record.hash, head + 1])
        guard db.changesCount == 1 else { return nil }
        head += 1
        let change = ChangeHeader(seq: head, kind: .insert, recordID: db.lastInsertedRowID, key: item.key, version: 1,
                                  status: status, committedAt: now, requestID: requestID, provenance: item.provenance)
        try appendChange(change, body: record.body, provenanceJSON: record.provenanceJSON)
        return change
    }

    /// A new version. Identifiers are merged (a later report may lack one the earlier had),
    /// and the key is derived again from the merged identifiers, so that it is always the
    /// strongest one and no later submission by DOI or PMID can miss the record.
    mutating func update(_ existing: Existing, with record: PreparedRecord, requestID: String) throws -> ChangeHeader {
        let item = record.item
        head += 1
        let doi = item.doi ?? existing.doi, pmid = item.pmid ?? existing.pmid, nct = item.nct ?? existing.nct
        let key = doi.map { "doi:" + $0 } ?? pmid.map { "pmid:" + $0 } ?? nct.map { "nct:" + $0 } ?? existing.key
        // A complete version ends a record's review; a retraction stays.
        let status = existing.status == .needsReview ? (item.provenance?.initialStatus ?? .active) : existing.status
        try db.cachedStatement(sql: """
            UPDATE records SET key = ?, doi = ?, pmid = ?, nct = ?, version = ?, status = ?, hash = ?, head_seq = ? WHERE id = ?
            """).execute(arguments: [key, doi, pmid, nct, existing.version + 1, status.rawValue, record.hash, head, existing.id])
        let change = ChangeHeader(seq: head, kind: .update, recordID: existing.id, key: key, version: existing.version + 1,
                                  status: status, committedAt: now, requestID: requestID, provenance: item.provenance)
        try appendChange(change, body: record.body, provenanceJSON: record.provenanceJSON)
        return change
    }

    func appendChange(_ change: ChangeHeader, body: Data, provenanceJSON provenance: String?) throws {
        try db.cachedStatement(sql: """
            INSERT INTO changes (seq, record_id, version, kind, status, body, request_id, reason, provenance, committed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [change.seq, change.recordID, change.version, change.kind.rawValue, change.status.rawValue,
                                     body, change.requestID, change.reason, provenance, nowMillis])
    }
}
