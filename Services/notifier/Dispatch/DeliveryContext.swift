import Foundation
import Client
import Logging
import Replication
import ServiceKit
import ServiceLifecycle
import WireProtocol

/// What every watch worker shares.
struct DeliveryContext: Sendable {
    let watches: WatchStore
    let progress: ProgressWriter
    let buffer: ChangeBuffer
    let store: ServiceClient
    let stream: StreamPublisher
    let sender: WebhookSender
    let registry: WorkerRegistry
    let follower: FeedFollower
    let stats: ServiceStats
    let logger: Logger
    let pauseAfter: Int

    /// Changes after `cursor` for the watch `name`: from the buffer when it still holds them,
    /// else from the store's log (a watch resuming after a restart, or replaying). Empty when
    /// there are none yet; nil when the store cannot be reached for now (the worker waits and
    /// asks again). A change read from the log that cannot be applied is reported here, for
    /// this watch: the follower never saw it.
    func changes(after cursor: Int64, for name: String) async -> [ReadChange]? {
        if let buffered = buffer.changes(after: cursor, limit: 1000) { return buffered }
        do {
            let page = try await ChangeLog(store: store, requester: "notifier").changes(after: cursor, limit: 1000)
            for change in page.changes { follower.skipped.record(change, metadata: ["watch": "\(name)"]) }
            return page.changes
        } catch {
            stats.add("store_reads.failures")
            logger.warning("cannot read the store's log for a watch; retrying",
                           metadata: ["watch": "\(name)", "after": "\(cursor)", "error": "\(error)"])
            return nil
        }
    }

    /// The store's head as last heard (the follower's view).
    var head: Int64 { follower.state.storeHead }

    /// Retries a write to the watch database until it succeeds: a dead letter or a pause
    /// must not be lost to a passing failure (a locked or full disk). Each failure is logged
    /// and counted. False only when the worker is being stopped before it could.
    func persist(_ what: String, watch name: String, _ write: () async throws -> Void) async -> Bool {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5))
        while true {
            do {
                try await write()
                return true
            } catch {
                stats.add("watch_store.errors")
                let stopping = Task.isCancelled || Task.isShuttingDownGracefully
                logger.error(stopping ? "cannot save to the watch database; stopping" : "cannot save to the watch database; retrying",
                             metadata: ["watch": "\(name)", "what": "\(what)", "error": "\(error)",
                                        "retry.in.ms": "\(backoff.next.milliseconds)"])
                if stopping { return false }
                await backoff.wait()
            }
        }
    }
}
