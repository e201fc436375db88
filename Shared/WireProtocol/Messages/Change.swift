import EvidenceModel
import Foundation

/// What happened to a record at one sequence number. Travels in the change feed, in
/// `changes` and `snapshot` pages and in `get` replies, always next to the record's JSON
/// (an attachment frame), which it describes.
public struct ChangeHeader: JSONConvertible, Sendable, Hashable {
    /// Position in the store's change log: starts at 1, grows by 1 with every change.
    public var seq: Int64
    public var kind: ChangeKind
    /// The record's stable id, the same for all its versions.
    public var recordID: Int64
    /// The record's dedup key (`doi:…`, `pmid:…`, `nct:…` or `title:…`) as of this change.
    /// A published change keeps its key; a re-key is a change of its own (see `previousKey`).
    public var key: String
    /// Content version: 1 when first stored, +1 for each changed resubmission.
    public var version: Int
    public var status: RecordStatus
    public var committedAt: Date
    /// The request that caused the change (the client's id, kept through ingest).
    public var requestID: String?
    /// Why the record was retracted.
    public var reason: String?
    public var provenance: Provenance?
    /// Set by the store when the change's stored record JSON no longer matches the hash it
    /// was committed with (disk damage): the record frame is then empty, and a follower skips
    /// the change (and counts it) instead of applying what it cannot trust.
    public var damaged: String?
    /// Set on the change that re-keyed the record (an update that added a stronger identifier):
    /// the key the record had before it.
    public var previousKey: String?

    public init(seq: Int64, kind: ChangeKind, recordID: Int64, key: String, version: Int, status: RecordStatus,
                committedAt: Date, requestID: String? = nil, reason: String? = nil, provenance: Provenance? = nil,
                damaged: String? = nil, previousKey: String? = nil) {
        self.seq = seq
        self.kind = kind
        self.recordID = recordID
        self.key = key
        self.version = version
        self.status = status
        self.committedAt = committedAt
        self.requestID = requestID
        self.reason = reason
        self.provenance = provenance
        self.damaged = damaged
        self.previousKey = previousKey
    }

    public func write(to output: inout JSONOutput) {
        output.object { o in
            o.field("seq", seq)
            o.field("kind", kind.rawValue)
            o.field("record_id", recordID)
            o.field("key", key)
            o.field("version", version)
            o.field("status", status.rawValue)
            o.field("committed_at", Timestamp.string(committedAt))
            o.field("request_id", requestID)
            o.field("reason", reason)
            o.field("provenance", provenance)
            o.field("damaged", damaged)
            o.field("previous_key", previousKey)
        }
    }

    public init(json: JSONValue) throws(JSONShapeError) {
        let fields = try JSONFields(json)
        let committed = try fields.string("committed_at")
        guard let date = Timestamp.date(committed) else {
            throw JSONShapeError(path: "committed_at", message: "\"\(committed)\" is not an ISO 8601 UTC time")
        }
        self.init(seq: try fields.int64("seq"), kind: try fields.choice("kind", ChangeKind.self),
                  recordID: try fields.int64("record_id"), key: try fields.string("key"), version: try fields.int("version"),
                  status: try fields.choice("status", RecordStatus.self), committedAt: date,
                  requestID: try fields.optionalString("request_id"), reason: try fields.optionalString("reason"),
                  provenance: try fields["provenance"].map { json throws(JSONShapeError) in try Provenance(json: json, strict: false) },
                  damaged: try fields.optionalString("damaged"), previousKey: try fields.optionalString("previous_key"))
    }
}

public enum ChangeKind: String, Codable, Sendable {
    case insert, update, retract
}

public enum RecordStatus: String, Codable, Sendable, CaseIterable {
    case active, retracted
    /// Imported with `--allow-partial`: the import could not determine everything a record
    /// needs (see `Provenance.unresolved`). Kept out of queries and summaries by default,
    /// until a complete version of the record is submitted.
    case needsReview = "needs-review"
}

/// Where a record came from: who sent it, from which file, which record in it.
public struct Provenance: JSONConvertible, Sendable, Hashable {
    public var submittedBy: String?
    public var sourceFile: String?
    /// `json`, `jsonl`, `csv`…
    public var format: String?
    /// 1-based position of the record in its file.
    public var recordNumber: Int?
    /// 1-based line where the record starts, for line-oriented formats.
    public var line: Int?
    /// The record's text as it was in an imported file (RIS, MEDLINE, PubMed XML, registry JSON).
    public var original: String?
    /// What an import could not determine and filled in for review ("design: …"). A record
    /// submitted with any is stored as `needs-review`.
    public var unresolved: [String]?
    /// Set on records the harvester found: the saved search, the source and the record's id there.
    public var harvest: HarvestProvenance?

    public init(submittedBy: String? = nil, sourceFile: String? = nil, format: String? = nil,
                recordNumber: Int? = nil, line: Int? = nil, original: String? = nil, unresolved: [String]? = nil,
                harvest: HarvestProvenance? = nil) {
        self.submittedBy = submittedBy
        self.sourceFile = sourceFile
        self.format = format
        self.recordNumber = recordNumber
        self.line = line
        self.original = original
        self.unresolved = unresolved
        self.harvest = harvest
    }

    /// The status a new record with this provenance is stored with.
    public var initialStatus: RecordStatus { (unresolved ?? []).isEmpty ? .active : .needsReview }

    public func write(to output: inout JSONOutput) {
        output.object { o in
            o.field("submitted_by", submittedBy)
            o.field("source_file", sourceFile)
            o.field("format", format)
            o.field("record_number", recordNumber)
            o.field("line", line)
            o.field("original", original)
            o.field("unresolved", strings: unresolved ?? [])
            o.field("harvest", harvest)
        }
    }

    /// Strict, as a client's `submit` is read: an unknown member is an error.
    public init(json: JSONValue) throws(JSONShapeError) {
        try self.init(json: json, strict: true)
    }

    /// `strict: false` for provenance inside a change header, which a newer store may extend:
    /// a follower must not skip changes over a field it does not know.
    public init(json: JSONValue, strict: Bool) throws(JSONShapeError) {
        let fields = try JSONFields(json, path: "provenance")
        self.init(submittedBy: try fields.optionalString("submitted_by"), sourceFile: try fields.optionalString("source_file"),
                  format: try fields.optionalString("format"), recordNumber: try fields.optionalInt("record_number"),
                  line: try fields.optionalInt("line"), original: try fields.optionalString("original"),
                  unresolved: try fields.optionalStrings("unresolved"),
                  harvest: try fields["harvest"].map { json throws(JSONShapeError) in try HarvestProvenance(json: json, strict: strict) })
        if strict { try fields.rejectUnknown() }
    }
}
