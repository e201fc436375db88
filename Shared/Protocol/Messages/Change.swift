import Foundation

/// What happened to a record at one sequence number. Travels in the change feed, in
/// `changes` and `snapshot` pages and in `get` replies, always next to the record's JSON
/// (an attachment frame), which it describes.
public struct ChangeHeader: Codable, Sendable, Hashable {
    /// Position in the store's change log: starts at 1, grows by 1 with every change.
    public var seq: Int64
    public var kind: ChangeKind
    /// The record's stable id, the same for all its versions.
    public var recordID: Int64
    /// The dedup key (`doi:…`, `pmid:…`, `nct:…` or `title:…`).
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

    public init(seq: Int64, kind: ChangeKind, recordID: Int64, key: String, version: Int, status: RecordStatus,
                committedAt: Date, requestID: String? = nil, reason: String? = nil, provenance: Provenance? = nil) {
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
    }

    enum CodingKeys: String, CodingKey {
        case seq, kind, key, version, status, reason, provenance
        case recordID = "record_id"
        case committedAt = "committed_at"
        case requestID = "request_id"
    }
}

public enum ChangeKind: String, Codable, Sendable {
    case insert, update, retract
}

public enum RecordStatus: String, Codable, Sendable {
    case active, retracted
}

/// Where a record came from: who sent it, from which file, which record in it.
public struct Provenance: Codable, Sendable, Hashable {
    public var submittedBy: String?
    public var sourceFile: String?
    /// `json`, `jsonl`, `csv`…
    public var format: String?
    /// 1-based position of the record in its file.
    public var recordNumber: Int?
    /// 1-based line where the record starts, for line-oriented formats.
    public var line: Int?

    public init(submittedBy: String? = nil, sourceFile: String? = nil, format: String? = nil,
                recordNumber: Int? = nil, line: Int? = nil) {
        self.submittedBy = submittedBy
        self.sourceFile = sourceFile
        self.format = format
        self.recordNumber = recordNumber
        self.line = line
    }

    enum CodingKeys: String, CodingKey {
        case format, line
        case submittedBy = "submitted_by"
        case sourceFile = "source_file"
        case recordNumber = "record_number"
    }
}
