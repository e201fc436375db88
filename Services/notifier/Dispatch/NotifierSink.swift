import Replication

/// What the notifier's follower feeds: the change buffer the watches read, and the store
/// history their cursors belong to, kept in the watch database so that a restore of the store
/// while the notifier was down is noticed at its next start.
struct NotifierSink: FollowerSink {
    let buffer: ChangeBuffer
    let watches: WatchStore
    let registry: WorkerRegistry

    func position() async throws -> Int64 { buffer.position }
    func apply(_ changes: [ReadChange]) async throws { try await buffer.apply(changes) }
    func applySnapshot(_ records: [ReadChange], first: Bool) async throws {}  // the notifier starts at the head
    func setPosition(_ seq: Int64) async throws { try await buffer.setPosition(seq) }
    func storeID() async throws -> String? { try await watches.followedStoreID() }
    func setStoreID(_ id: String) async throws { try await watches.setFollowedStoreID(id) }

    /// Goes on from the restored store's head (`WatchStore.followRestoredStore` says what
    /// each watch does), with an empty buffer; every worker reads its watch again.
    func resynchronise(storeID: String?, head: Int64) async throws {
        try await watches.followRestoredStore(storeID: storeID, head: head)
        try await buffer.setPosition(head)
        for watch in try await watches.all() { registry.reload(watch.name) }
    }
}
