import EvidenceStorage
import Logging
import ServiceLifecycle

/// Forgets request ids older than the retention period, at start and then hourly, so the
/// idempotency table stays bounded. A retry older than that is treated as a new request
/// (which the dedup key still makes harmless: the records come back `duplicate`).
struct RequestPruner: Service {
    let database: EvidenceDatabase
    let retention: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                let removed = try await database.pruneRequests(olderThan: retention)
                if removed > 0 { logger.info("pruned request ids", metadata: ["removed": "\(removed)"]) }
                try await Task.sleep(for: .seconds(3600))
            }
        }
    }
}
