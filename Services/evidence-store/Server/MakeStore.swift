import EvidenceStorage
import Foundation
import ServiceKit
import ServiceLifecycle
import WireProtocol

/// Builds the store's services from its options; the command and the tests both call it.
/// Opening the database and binding both sockets happen here, so any of them failing
/// stops the store before it answers anything.
func makeStore(_ options: StoreOptions, _ runtime: ServiceRuntime) async throws -> [any Service] {
    let database = try EvidenceDatabase(directory: URL(fileURLWithPath: options.dataDir))
    let counts = try await database.counts()
    runtime.logger.info("database open", metadata: ["path": "\(database.path)", "records": "\(counts.records)",
                                                    "seq": "\(counts.head)"])
    let feed = try await FeedPublisher(endpoint: options.feedBind, highWaterMark: options.feedHighWaterMark, runtime: runtime)
    let committer = GroupCommitter(database: database, feed: feed, maxBatchRecords: options.maxBatchRecords,
                                   head: counts.head, runtime: runtime)

    var routes = Routes()
    StoreRoutes(database: database, committer: committer,
                damage: DamageReporter(stats: runtime.state.stats)).add(to: &routes)
    routes.addStatus(runtime.state) { status in
        let counts = try await database.counts()
        let batches = committer.batchStatistics
        status.sequence = SequenceStatus(head: counts.head)
        status.counters["records"] = counts.records
        status.counters["retracted"] = counts.retracted
        status.counters["needs_review"] = counts.needsReview
        status.counters["changes"] = counts.changes
        status.counters["commit_batches"] = batches.batches
        status.gauges = ["mean_batch_size": batches.meanRecords, "database_bytes": Double(database.sizeOnDisk)]
    }
    // The store is internal: only service identities and admin complete the handshake.
    let server = try await RequestServer(endpoint: options.bind, runtime: runtime, routes: routes, access: .storeRequests)
    // Request ids older than the retention period are forgotten, so the idempotency table
    // stays bounded; a retry older than that is a new request, which dedup keys make harmless.
    let retention = Duration.seconds(options.requestRetentionHours * 3600)
    let pruner = RepeatingWork("prune", every: .seconds(options.pruneIntervalSeconds), stats: runtime.state.stats,
                               logger: runtime.logger) { [logger = runtime.logger] in
        let removed = try await database.pruneRequests(olderThan: retention)
        if removed > 0 { logger.info("pruned request ids", metadata: ["removed": "\(removed)"]) }
    }
    // Shut down in reverse: stop taking requests, commit what was taken, then close the feed.
    return [feed, committer, pruner, server]
}
