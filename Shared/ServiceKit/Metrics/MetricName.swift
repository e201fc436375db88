/// The metric names the shared code records (docs/OPERATIONS.md, "Metrics", lists them all).
/// Counters that `status` also shows are named from their status name (`ServiceStats.add`).
public enum MetricName {
    /// Requests answered, by `type` and `outcome` (`ok`, or the error code).
    public static let requests = "ldn_requests_total"
    /// Time from a request's arrival to its answer being handed to the socket, by `type`.
    public static let requestDuration = "ldn_request_duration_seconds"
    /// Records in each commit (group commit).
    public static let storeCommitBatchRecords = "ldn_store_commit_batch_records"
    /// The store's newest sequence number.
    public static let storeHeadSeq = "ldn_store_head_seq"
    /// A follower's last applied (or skipped) change.
    public static let followerAppliedSeq = "ldn_follower_applied_seq"
    /// The store's head, as far as the follower has heard.
    public static let followerStoreHeadSeq = "ldn_follower_store_head_seq"
    /// Changes the follower is behind the store's head.
    public static let followerLagChanges = "ldn_follower_lag_changes"
    /// 1 while the follower is catching up (after a start, while the store is unreachable, or far behind).
    public static let followerCatchingUp = "ldn_follower_catching_up"
    /// The harvester's saved searches, and those paused (by an operator, or after failures).
    public static let harvestSearches = "ldn_harvest_searches"
    public static let harvestSearchesPaused = "ldn_harvest_searches_paused"
    /// 1 while ingest's link to the store is up (heartbeats drop it within seconds of silence).
    public static let ingestStoreConnected = "ldn_ingest_store_connected"

    /// The counter a `status` counter is also exposed as: `records.committed` is
    /// `ldn_records_committed_total`.
    public static func statusCounter(_ name: String) -> String {
        "ldn_" + String(name.map { $0.isLetter || $0.isNumber ? Character($0.lowercased()) : "_" }) + "_total"
    }
}
