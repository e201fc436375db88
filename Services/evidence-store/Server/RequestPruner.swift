import EvidenceStorage
import Logging
import ServiceKit
import ServiceLifecycle

/// Forgets request ids older than the retention period, at start and then every `interval`,
/// so the idempotency table stays bounded. A retry older than that is treated as a new request
/// (which the dedup key still makes harmless: the records come back `duplicate`). A failed
/// prune is logged and counted (`prune.failures`) and tried again next time: a background
/// chore must never end the store.
struct RequestPruner: Service {
    let database: EvidenceDatabase
    let retention: Duration
    let interval: Duration
    let logger: Logger
    let stats: ServiceStats

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                do {
                    let removed = try await database.pruneRequests(olderThan: retention)
                    if removed > 0 { logger.info("pruned request ids", metadata: ["removed": "\(removed)"]) }
                } catch let error where !(error is CancellationError) {
                    stats.add("prune.failures")
                    logger.error("could not prune request ids; will try again", metadata: [
                        "error": "\(error)", "retry_in_s": "\(interval.components.seconds)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
