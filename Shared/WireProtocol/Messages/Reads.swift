import EvidenceModel

/// `get` (to the store): one record by exactly one of its references.
public struct GetRequest: Codable, Sendable {
    public var id: Int64?
    public var doi: String?
    public var pmid: String?
    public var nct: String?
    public var key: String?
    /// Also return every earlier version and change.
    public var history: Bool?

    public init(id: Int64? = nil, doi: String? = nil, pmid: String? = nil, nct: String? = nil, key: String? = nil,
                history: Bool? = nil) {
        self.id = id
        self.doi = doi
        self.pmid = pmid
        self.nct = nct
        self.key = key
        self.history = history
    }
}

/// `get` reply. Attachments: the current record's JSON, then (with history) the record's
/// JSON at each change listed in `history`, oldest first.
public struct GetReply: Codable, Sendable {
    public var current: ChangeHeader
    public var history: [ChangeHeader]?
    /// Other reports of the same study (records sharing its NCT id): a trial's registry entry
    /// and the papers on it. Their JSON follows the history's in the attachments.
    public var reports: [ChangeHeader]?

    public init(current: ChangeHeader, history: [ChangeHeader]?, reports: [ChangeHeader]? = nil) {
        self.current = current
        self.history = history
        self.reports = reports
    }
}

/// `changes` (to the store): the log after sequence number `after`, oldest first.
public struct ChangesRequest: Codable, Sendable {
    public var after: Int64
    /// At most this many (default 1000, at most 5000).
    public var limit: Int?

    public init(after: Int64, limit: Int? = nil) {
        self.after = after
        self.limit = limit
    }
}

/// `changes` reply. Attachments: each change's record JSON, in order.
public struct ChangesReply: Codable, Sendable {
    public var changes: [ChangeHeader]
    /// The store's last sequence number when the page was read: more to fetch while the
    /// last change's `seq` is below it.
    public var head: Int64
    /// The id of the store's history: another id than a follower remembers means the store
    /// was restored (or replaced), and the follower resynchronises. Absent from stores older
    /// than store ids: a follower then knows none, which is not a change.
    public var storeID: String?

    public init(changes: [ChangeHeader], head: Int64, storeID: String? = nil) {
        self.changes = changes
        self.head = head
        self.storeID = storeID
    }
}

/// `snapshot` (to the store): the current state of records with id above `after_id`.
public struct SnapshotRequest: Codable, Sendable {
    public var afterID: Int64
    public var limit: Int?

    public init(afterID: Int64, limit: Int? = nil) {
        self.afterID = afterID
        self.limit = limit
    }
}

/// `snapshot` reply: each record's latest change, by record id. Attachments: the records' JSON.
/// Every record is as of `seq` or later: apply `changes` after the first page's `seq` to be current.
public struct SnapshotReply: Codable, Sendable {
    public var records: [ChangeHeader]
    /// The store's last sequence number when this page was read.
    public var seq: Int64
    /// Pass as `after_id` for the next page; absent on the last page.
    public var nextAfterID: Int64?
    /// The id of the store's history, as in `ChangesReply`.
    public var storeID: String?

    public init(records: [ChangeHeader], seq: Int64, nextAfterID: Int64?, storeID: String? = nil) {
        self.records = records
        self.seq = seq
        self.nextAfterID = nextAfterID
        self.storeID = storeID
    }
}
