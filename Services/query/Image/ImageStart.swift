import Foundation
import Logging
import Replication
import ServiceKit

/// A new replica's start from a peer's image (`--image-from`): fetched, checked against the
/// store's history, installed. Any failure is logged at warning level with the reason and
/// counted (`image.fallbacks`), and the follower loads the store's snapshot instead.
struct ImageStart: StartingImage {
    let fetcher: ImageFetcher
    let replica: ReplicaDatabase
    let logger: Logger
    let stats: ServiceStats

    func install(for store: ChangeLog.StoreHead) async -> Int64? {
        let started = ContinuousClock.now
        do {
            let (path, info, peer, opened) = try await fetcher.fetch()
            defer { unlink(path) }
            let fetched = ContinuousClock.now
            let contents = try await offPool(on: .global(qos: .utility)) { try replica.install(imageAt: path, for: store) }
            stats.add("image.installed")
            logger.info("replica started from an image", metadata: [
                "peer": "\(peer)", "image": "\(info.image)", "seq": "\(contents.seq)", "bytes": "\(info.bytes)",
                "fetch.ms": "\(Int((fetched - started).milliseconds))",
                // Of fetching: until the peer answered with its image (its build included), then the chunks.
                "open.ms": "\(Int((opened - started).milliseconds))", "transfer.ms": "\(Int((fetched - opened).milliseconds))",
                "install.ms": "\(Int((ContinuousClock.now - fetched).milliseconds))"])
            return contents.seq
        } catch {
            stats.add("image.fallbacks")
            logger.warning("cannot start from an image; loading the store's snapshot instead",
                           metadata: ["image.from": "\(fetcher.endpoints)", "reason": "\(error)"])
            return nil
        }
    }
}
