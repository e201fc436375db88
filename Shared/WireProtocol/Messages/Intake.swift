import EvidenceModel
import Foundation

/// `submit` (to ingest): attachments are the records, one JSON object per frame.
public struct SubmitRequest: JSONConvertible, Sendable {
    /// Who is submitting, kept in each record's provenance.
    public var submitter: String?
    /// Where each record came from, in attachment order (optional; shorter is fine).
    public var provenance: [Provenance]?

    public init(submitter: String? = nil, provenance: [Provenance]? = nil) {
        self.submitter = submitter
        self.provenance = provenance
    }

    public func write(to output: inout JSONOutput) {
        output.object { o in
            o.field("submitter", submitter)
            o.field("provenance", provenance)
        }
    }

    public init(json: JSONValue) throws(JSONShapeError) {
        let fields = try JSONFields(json)
        self.init(submitter: try fields.optionalString("submitter"), provenance: try fields.optionalList("provenance", of: Provenance.self))
        try fields.rejectUnknown()
    }
}

/// What became of one record.
public enum RecordOutcome: String, Codable, Sendable, CaseIterable {
    /// Stored as a new record (version 1).
    case accepted
    /// The same study with the same content was already stored: nothing changed.
    case duplicate
    /// The same study with different content: stored as a new version.
    case updated
    /// Invalid: nothing stored; `errors` says why.
    case rejected
    /// Valid, but its identifiers belong to two different stored records (its DOI to one, its
    /// PMID to another, say): nothing stored; `errors` names both records.
    case conflict
}

public struct RecordResult: JSONConvertible, Sendable {
    /// Position of the record among the request's attachments (from 0).
    public var index: Int
    public var outcome: RecordOutcome
    public var id: Int64?
    public var key: String?
    public var version: Int?
    /// The change's sequence number (for accepted and updated records).
    public var seq: Int64?
    public var errors: [Problem]?
    public var warnings: [Problem]?

    public init(index: Int, outcome: RecordOutcome, id: Int64? = nil, key: String? = nil, version: Int? = nil,
                seq: Int64? = nil, errors: [Problem]? = nil, warnings: [Problem]? = nil) {
        self.index = index
        self.outcome = outcome
        self.id = id
        self.key = key
        self.version = version
        self.seq = seq
        self.errors = errors
        self.warnings = warnings
    }

    public func write(to output: inout JSONOutput) {
        output.object { o in
            o.field("index", index)
            o.field("outcome", outcome.rawValue)
            o.field("id", id)
            o.field("key", key)
            o.field("version", version)
            o.field("seq", seq)
            o.field("errors", errors)
            o.field("warnings", warnings)
        }
    }

    public init(json: JSONValue) throws(JSONShapeError) {
        let fields = try JSONFields(json)
        self.init(index: try fields.int("index"), outcome: try fields.choice("outcome", RecordOutcome.self),
                  id: try fields.optionalInt64("id"), key: try fields.optionalString("key"), version: try fields.optionalInt("version"),
                  seq: try fields.optionalInt64("seq"), errors: try fields.optionalList("errors", of: Problem.self),
                  warnings: try fields.optionalList("warnings", of: Problem.self))
    }
}

/// `submit` reply: one result per record, in order, and the totals.
public struct SubmitReply: JSONConvertible, Sendable {
    public var results: [RecordResult]
    public var accepted: Int
    public var duplicate: Int
    public var updated: Int
    public var rejected: Int
    public var conflict: Int

    public init(results: [RecordResult]) {
        self.results = results
        var counts: [RecordOutcome: Int] = [:]
        for result in results { counts[result.outcome, default: 0] += 1 }
        accepted = counts[.accepted] ?? 0
        duplicate = counts[.duplicate] ?? 0
        updated = counts[.updated] ?? 0
        rejected = counts[.rejected] ?? 0
        conflict = counts[.conflict] ?? 0
    }

    public func write(to output: inout JSONOutput) {
        output.object { o in
            o.field("results", results)
            o.field("accepted", accepted)
            o.field("duplicate", duplicate)
            o.field("updated", updated)
            o.field("rejected", rejected)
            o.field("conflict", conflict)
        }
    }

    public init(json: JSONValue) throws(JSONShapeError) {
        self.init(results: try JSONFields(json).list("results", of: RecordResult.self))
    }
}

/// `write` (ingest to evidence-store): records already validated and normalised, with the
/// fields the store indexes; attachments are the records' canonical JSON, in the same order.
public struct WriteRequest: JSONConvertible, Sendable {
    public var records: [WriteItem]
    /// Whether these records may replace records someone else submitted (ingest says so for
    /// a curator, or on a service without keys). Absent: they may.
    public var replaceOthers: Bool?

    public init(records: [WriteItem], replaceOthers: Bool? = nil) {
        self.records = records
        self.replaceOthers = replaceOthers
    }

    public func write(to output: inout JSONOutput) {
        output.object {
            $0.field("records", records)
            $0.field("replace_others", replaceOthers)
        }
    }

    public init(json: JSONValue) throws(JSONShapeError) {
        let fields = try JSONFields(json)
        self.init(records: try fields.list("records", of: WriteItem.self), replaceOthers: try fields.optionalBool("replace_others"))
        try fields.rejectUnknown()
    }
}

public struct WriteItem: JSONConvertible, Sendable {
    public var key: String
    public var doi: String?
    public var pmid: String?
    public var nct: String?
    /// FNV-1a 64 of the canonical record JSON, hex: equal hashes mean a duplicate.
    public var hash: String
    public var provenance: Provenance?

    public init(key: String, doi: String?, pmid: String?, nct: String?, hash: String, provenance: Provenance?) {
        self.key = key
        self.doi = doi
        self.pmid = pmid
        self.nct = nct
        self.hash = hash
        self.provenance = provenance
    }

    /// The item for a validated record.
    public init(_ record: EvidenceRecord, canonical: Data, provenance: Provenance?) {
        self.init(key: record.dedupKey, doi: record.identifiers.doi, pmid: record.identifiers.pmid,
                  nct: record.identifiers.nct, hash: ContentHash.fnv1a64(canonical), provenance: provenance)
    }

    public func write(to output: inout JSONOutput) {
        output.object { o in
            o.field("key", key)
            o.field("doi", doi)
            o.field("pmid", pmid)
            o.field("nct", nct)
            o.field("hash", hash)
            o.field("provenance", provenance)
        }
    }

    public init(json: JSONValue) throws(JSONShapeError) {
        let fields = try JSONFields(json)
        self.init(key: try fields.string("key"), doi: try fields.optionalString("doi"), pmid: try fields.optionalString("pmid"),
                  nct: try fields.optionalString("nct"), hash: try fields.string("hash"),
                  provenance: try fields.optional("provenance", Provenance.self))
        try fields.rejectUnknown()
    }
}

public struct WriteReply: JSONConvertible, Sendable {
    /// One per written record, in order; `index` is the position in the write request.
    public var results: [RecordResult]
    /// The store's last sequence number after the commit.
    public var head: Int64

    public init(results: [RecordResult], head: Int64) {
        self.results = results
        self.head = head
    }

    public func write(to output: inout JSONOutput) {
        output.object { o in
            o.field("results", results)
            o.field("head", head)
        }
    }

    public init(json: JSONValue) throws(JSONShapeError) {
        let fields = try JSONFields(json)
        self.init(results: try fields.list("results", of: RecordResult.self), head: try fields.int64("head"))
    }
}

/// `retract` (to ingest, forwarded to the store): mark a record retracted, keeping it.
public struct RetractRequest: Codable, Sendable {
    public var id: Int64
    public var reason: String

    public init(id: Int64, reason: String) {
        self.id = id
        self.reason = reason
    }
}

/// `retract` reply: the record's state after the request.
public struct RetractReply: Codable, Sendable {
    public var change: ChangeHeader
    /// False when the record was already retracted (nothing changed).
    public var changed: Bool

    public init(change: ChangeHeader, changed: Bool) {
        self.change = change
        self.changed = changed
    }
}

public enum ContentHash {
    /// FNV-1a, 64 bits, as 16 lower-case hex digits: fast, stable across platforms and releases.
    public static func fnv1a64(_ data: Data) -> String { hex(fnv1a64Value(data)) }

    /// A 64-bit hash as 16 lower-case hex digits.
    public static func hex(_ hash: UInt64) -> String {
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// FNV-1a, 64 bits, as a number (the store keeps it as a signed 64-bit integer).
    public static func fnv1a64Value(_ data: Data) -> UInt64 {
        data.withUnsafeBytes { bytes in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            return hash
        }
    }
}
