/// How a follower with no position can start from a copy of another follower's data (a
/// database image of a ready peer) instead of the store's snapshot record by record.
public protocol StartingImage: Sendable {
    /// Fetches, verifies and installs an image belonging to the store history `store`, and
    /// returns the sequence number the sink is now at. Returns nil when no image could be
    /// installed (the implementation logs and counts why, and leaves the sink as it was):
    /// the follower then loads the snapshot.
    func install(for store: ChangeLog.StoreHead) async -> Int64?
}
