import EvidenceModel
import Foundation
import GRDB
import WireProtocol

/// What `write` and `retract` do to records, inside the batch's transaction.
extension BatchWriter {
    mutating func store(_ records: [Result<PreparedRecord, RecordRejection>], requestID: String,
                        replacesOthers: Bool = true) throws -> (Result<Data, ErrorBody>, [StoredChange]) {
        var results: [RecordResult] = [], changes: [StoredChange] = []
        results.reserveCapacity(records.count)
        for (index, entry) in records.enumerated() {
            switch entry {
            case .failure(let rejection):
                results.append(RecordResult(index: index, outcome: .rejected, errors: rejection.problems))
            case .success(let record):
                results.append(try store(record, index: index, requestID: requestID, replacesOthers: replacesOthers,
                                         changes: &changes))
            }
        }
        return (.success(WireJSON.encode(WriteReply(results: results, head: head))), changes)
    }

    private mutating func store(_ record: PreparedRecord, index: Int, requestID: String, replacesOthers: Bool,
                                changes: inout [StoredChange]) throws -> RecordResult {
        // Most records of a load are new: try the insert first, and look for the stored
        // record only when the key or the PMID is already taken.
        if let change = try insertIfNew(record, requestID: requestID) {
            changes.append((change, record.body))
            return RecordResult(index: index, outcome: .accepted, id: change.recordID, key: change.key, version: 1, seq: change.seq)
        }
        guard let existing = try find(record.identity) else {
            throw StorageError.damaged(path: "records", problem: "a record conflicts on key or PMID but cannot be found")
        }
        let incoming = record.provenance?.initialStatus ?? .active
        if existing.hash == record.hash && (existing.status != .needsReview || incoming == .needsReview) {
            return RecordResult(index: index, outcome: .duplicate, id: existing.id, key: existing.identity.key, version: existing.version)
        }
        // A partial import never replaces what a reviewer completed, and a bibliographic
        // import never replaces a record submitted as a record (curated: outcomes, dose…).
        if let reason = try importNotApplied(record, incoming: incoming, over: existing) {
            return RecordResult(index: index, outcome: .duplicate, id: existing.id, key: existing.identity.key,
                                version: existing.version, warnings: [Problem(field: "record", message: reason)])
        }
        if !replacesOthers, let owner = try submitter(of: existing), owner != record.provenance?.submittedBy {
            return RecordResult(index: index, outcome: .rejected, id: existing.id, key: existing.identity.key, errors: [
                Problem(field: "record", message: "stored record \(existing.id) was submitted by \(owner); "
                    + "only its submitter or a curator may replace it"),
            ])
        }
        let identity = existing.identity.merging(doi: record.identity.doi, pmid: record.identity.pmid, nct: record.identity.nct)
        if let conflict = try conflict(identity, of: record, with: existing) {
            return RecordResult(index: index, outcome: .conflict, errors: [conflict])
        }
        let change = try update(existing, to: identity, with: record, requestID: requestID)
        changes.append((change, record.body))
        return RecordResult(index: index, outcome: .updated, id: change.recordID, key: change.key, version: change.version,
                            seq: change.seq)
    }

    /// Marks a record retracted with a reason; the record and its history stay. Retracting
    /// a retracted record changes nothing and answers with its current state. A record whose
    /// stored JSON is damaged is not retracted: that would publish the damage under a new hash.
    mutating func retract(_ id: Int64, reason: String,
                          requestID: String) throws -> (Result<Data, ErrorBody>, [StoredChange]) {
        // A record whose current change is not in the log is not found (`verify` reports it).
        guard let record = try RecordRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM records WHERE id = ?"), arguments: [id]),
              let current = try ChangeRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM changes WHERE seq = ?"),
                                                   arguments: [record.headSeq]) else {
            return (.failure(ErrorBody(code: .notFound, message: "no record with id \(id)")), [])
        }
        let key = record.identity.key, version = record.version, body = current.body, hash = current.bodyHash
        guard ChangeIntegrity.hash(body) == hash else {
            return (.failure(.damagedRecord(id: id, key: key, seq: record.headSeq)), [])
        }
        if record.status == .retracted {
            return (.success(WireJSON.encode(RetractReply(change: try current.stored().header, changed: false))), [])
        }
        head += 1
        try db.cachedStatement(sql: "UPDATE records SET status = 'retracted', head_seq = ? WHERE id = ?").execute(arguments: [head, id])
        let change = ChangeHeader(seq: head, kind: .retract, recordID: id, key: key, version: version, status: .retracted,
                                  committedAt: now, requestID: requestID, reason: reason)
        try appendChange(change, body: body, hash: hash, provenanceJSON: nil)
        return (.success(WireJSON.encode(RetractReply(change: change, changed: true))), [(change, body)])
    }

    /// The stored record this record is a submission of: the same dedup key, else the same PMID.
    /// A record's key is always the strongest of its identifiers (see `RecordIdentity`), so a
    /// DOI is found by key; a PMID may belong to a record keyed by its DOI. (An NCT id alone
    /// does not decide: a registry entry and the paper reporting the trial are two records.)
    func find(_ identity: RecordIdentity) throws -> RecordRow? {
        if let record = try RecordRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM records WHERE key = ?"),
                                               arguments: [identity.key]) {
            return record
        }
        guard let pmid = identity.pmid else { return nil }
        return try RecordRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM records WHERE pmid = ?"), arguments: [pmid])
    }

    /// The provenance of the stored record's current version, when one was recorded.
    func latestProvenance(of existing: RecordRow) throws -> Provenance? {
        let latest = try String.fetchOne(db.cachedStatement(sql: """
            SELECT provenance FROM changes WHERE record_id = ? AND kind != 'retract' ORDER BY seq DESC LIMIT 1
            """), arguments: [existing.id])
        return latest.flatMap { try? WireJSON.decode(Provenance.self, from: Data($0.utf8)) }
    }

    /// Who submitted the stored record's current version, when that was recorded.
    func submitter(of existing: RecordRow) throws -> String? {
        try latestProvenance(of: existing)?.submittedBy
    }

    /// Why an import must leave the stored record as it is, or nil when it may update it.
    func importNotApplied(_ record: PreparedRecord, incoming: RecordStatus, over existing: RecordRow) throws -> String? {
        if incoming == .needsReview && existing.status != .needsReview {
            return "the study is already stored complete (record \(existing.id)); this partial import was not applied"
        }
        guard record.provenance?.original != nil else { return nil }
        let curated = try latestProvenance(of: existing)?.original == nil
        return curated
            ? "the study is stored as a curated record (record \(existing.id)); an import does not replace it — submit JSON, JSON Lines or CSV to change it"
            : nil
    }

    /// A stored record other than `existing` that already has the key or the PMID this update
    /// would give it: the record names two studies (the DOI of one and the PMID of another,
    /// say). Answered `conflict`, naming both, rather than failing on the unique index.
    func conflict(_ identity: RecordIdentity, of record: PreparedRecord, with existing: RecordRow) throws -> Problem? {
        func holder(_ column: String, _ value: String) throws -> (id: Int64, key: String)? {
            try RecordRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM records WHERE \(column) = ? AND id != ?"),
                                   arguments: [value, existing.id]).map { ($0.id, $0.identity.key) }
        }
        let matched = "stored record \(existing.id) (\(existing.identity.key))"
        if identity.key != existing.identity.key, let other = try holder("key", identity.key) {
            return Problem(field: "identifiers", message: "the record matches \(matched), but its identifiers would give it the key "
                + "\(identity.key), which stored record \(other.id) has; one record cannot be two studies: "
                + "correct the identifiers, or retract the wrong stored record")
        }
        if let pmid = identity.pmid, pmid != existing.identity.pmid, let other = try holder("pmid", pmid) {
            return Problem(field: "identifiers.pmid", message: "PMID \(pmid) belongs to stored record \(other.id) (\(other.key)), "
                + "but the record's key \(record.identity.key) is that of \(matched); one record cannot be two studies: "
                + "correct the identifiers, or retract the wrong stored record")
        }
        return nil
    }

    /// Inserts the record when neither its key nor its PMID is taken; nil when one is.
    mutating func insertIfNew(_ record: PreparedRecord, requestID: String) throws -> ChangeHeader? {
        let identity = record.identity, status = record.provenance?.initialStatus ?? .active
        try db.cachedStatement(sql: """
            INSERT INTO records (key, doi, pmid, nct, version, status, hash, head_seq) VALUES (?, ?, ?, ?, 1, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """).execute(arguments: [identity.key, identity.doi, identity.pmid, identity.nct, status.rawValue, record.hash, head + 1])
        guard db.changesCount == 1 else { return nil }
        head += 1
        let change = ChangeHeader(seq: head, kind: .insert, recordID: db.lastInsertedRowID, key: identity.key, version: 1,
                                  status: status, committedAt: now, requestID: requestID, provenance: record.provenance)
        try appendChange(change, body: record.body, hash: record.hash, provenanceJSON: record.provenanceJSON)
        return change
    }

    /// A new version, with the merged identifiers. When the key changes (an update added a
    /// stronger identifier), this change carries the new key and the previous one; earlier
    /// changes keep theirs.
    mutating func update(_ existing: RecordRow, to identity: RecordIdentity, with record: PreparedRecord,
                         requestID: String) throws -> ChangeHeader {
        head += 1
        // A complete version ends a record's review; a retraction stays.
        let status = existing.status == .needsReview ? (record.provenance?.initialStatus ?? .active) : existing.status
        try db.cachedStatement(sql: """
            UPDATE records SET key = ?, doi = ?, pmid = ?, nct = ?, version = ?, status = ?, hash = ?, head_seq = ? WHERE id = ?
            """).execute(arguments: [identity.key, identity.doi, identity.pmid, identity.nct, existing.version + 1, status.rawValue,
                                     record.hash, head, existing.id])
        let change = ChangeHeader(seq: head, kind: .update, recordID: existing.id, key: identity.key, version: existing.version + 1,
                                  status: status, committedAt: now, requestID: requestID, provenance: record.provenance,
                                  previousKey: identity.key == existing.identity.key ? nil : existing.identity.key)
        try appendChange(change, body: record.body, hash: record.hash, provenanceJSON: record.provenanceJSON)
        return change
    }
}
