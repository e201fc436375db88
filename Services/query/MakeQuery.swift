import Foundation
import Client
import Replication
import ServiceKit
import ServiceLifecycle
import WireProtocol

/// Builds the query service from its options; the command and the tests both call it.
func makeQuery(_ options: QueryOptions, _ runtime: ServiceRuntime) async throws -> [any Service] {
    let replica = try ReplicaDatabase(directory: URL(fileURLWithPath: options.dataDir))
    let (records, seq) = (try await replica.count(), try await replica.position())
    runtime.logger.info("replica open", metadata: ["path": "\(replica.path)", "records": "\(records)", "seq": "\(seq)"])
    let store = try await ServiceClient(endpoint: options.store, name: "query-store", attemptTimeout: .seconds(5),
                                        context: runtime.context, logger: runtime.logger,
                                        security: try runtime.security.clientOptions(to: "evidence-store"))
    // Status says how the replica started: from an image (1), or not (the snapshot, or a position it had).
    for counter in ["image.installed", "image.fallbacks"] { runtime.state.stats.add(counter, 0) }
    let image = options.imageFrom.isEmpty ? nil : ImageStart(
        fetcher: ImageFetcher(endpoints: options.imageFrom, directory: URL(fileURLWithPath: options.dataDir), context: runtime.context,
                              security: try runtime.security.clientOptions(to: "query"), logger: runtime.logger,
                              stats: runtime.state.stats),
        replica: replica, logger: runtime.logger, stats: runtime.state.stats)
    let follower = try FeedFollower(feedEndpoint: options.feed, store: store, sink: replica, start: .snapshot, runtime: runtime,
                                lastSkipped: try await replica.lastQuarantined(), image: image)
    let images = ImageSource(replica: replica, follower: follower, logger: runtime.logger, stats: runtime.state.stats)

    var routes = Routes()
    QueryRoutes(replica: replica, follower: follower, store: store, stats: runtime.state.stats).add(to: &routes)
    images.add(to: &routes)
    routes.addStatus(runtime.state) { status in
        let state = follower.state
        status.sequence = SequenceStatus(head: state.storeHead, applied: state.applied, catchingUp: state.catchingUp)
        status.counters["changes.skipped"] = status.counters["changes.skipped"] ?? 0  // shown even while none
        status.lastSkipped = follower.skipped.last
        status.gauges = ["catching_up": state.catchingUp ? 1 : 0]
        status.counters["records"] = try await replica.count()
        status.counters["changes.quarantined"] = try await replica.quarantinedCount()
    }
    let server = try await RequestServer(endpoint: options.bind, runtime: runtime, routes: routes)
    // Shut down in reverse: stop answering, stop following, then close the store link.
    return [store, follower, server]
}
