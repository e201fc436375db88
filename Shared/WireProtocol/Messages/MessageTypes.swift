/// Every message type of LDN/1, by the service that answers it. docs/PROTOCOL.md has each
/// one's body with an example.
public enum MessageType {
    /// Every service: who it is and how it is doing.
    public static let status = "status"

    /// ingest: validate, normalise and store a batch of records (one per attachment).
    public static let submit = "submit"
    /// ingest: retract a stored record, keeping it with a reason.
    public static let retract = "retract"

    /// evidence-store: commit validated records (sent by ingest).
    public static let write = "write"
    /// evidence-store: one record by id or identifier, optionally with its history.
    public static let get = "get"
    /// evidence-store: the change log after a sequence number, a page at a time.
    public static let changes = "changes"
    /// evidence-store: the current state of every record, a page at a time.
    public static let snapshot = "snapshot"
    /// query: records passing a filter.
    public static let query = "query"
    /// query: full-text search.
    public static let search = "search"
    /// query: the evidence for one condition at a glance.
    public static let summary = "summary"
    /// query: a meta-analysis of one condition's studies on one outcome.
    public static let synthesize = "synthesize"
    /// query: open a consistent image of the replica's database, for a new replica.
    public static let imageOpen = "image.open"
    /// query: one chunk of an image opened with `image.open`.
    public static let imageChunk = "image.chunk"

    /// evidence-store feed (PUB): one committed change.
    public static let change = "change"
}

/// The release of the whole set; every service reports it in `status`.
public enum LDNVersion {
    public static let current = "0.1.0"
}
