import Foundation
import Logging
import ServiceKit
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

    /// Changes after `cursor`: from the buffer when it still holds them, else from the
    /// store's log (a watch resuming after a restart, or replaying). Empty when there are
    /// none yet, or the store cannot be reached for now.
    func changes(after cursor: Int64) async -> [ReadChange] {
        if let buffered = buffer.changes(after: cursor, limit: 1000) { return buffered }
        do {
            let reply = try await store.send(Request(type: MessageType.changes, id: "notifier-changes-\(UUID().uuidString)",
                                                     body: ChangesRequest(after: cursor, limit: 1000)))
            let page = try reply.decode(ChangesReply.self)
            return zip(page.changes, reply.attachments).map { ReadChange(FeedChange(header: $0, body: $1)) }
        } catch {
            logger.warning("cannot read the store's log for a watch; retrying", metadata: ["after": "\(cursor)", "error": "\(error)"])
            try? await Task.sleep(for: .seconds(1))
            return []
        }
    }

    /// The store's head as last heard (the follower's view).
    var head: Int64 { follower.state.storeHead }
}
