import EvidenceStorage
import Logging
import ServiceKit

/// Tells the operator about damaged changes the store meets while serving reads: one error
/// line per change served damaged (with its seq and record id), and the `changes.damaged`
/// counter in `status`. Followers are told in the change's header (`damaged`).
struct DamageReporter: Sendable {
    let stats: ServiceStats

    /// - Parameter logger: the request's logger, so each line names the request that met the damage.
    func note(_ changes: [StoredChange], logger: Logger) {
        var seen = Set<Int64>()
        for (header, _) in changes where header.damaged != nil && seen.insert(header.seq).inserted {
            logger.error("damaged change served without its record; run `ldn-evidence-store verify`",
                         metadata: ["seq": "\(header.seq)", "record.id": "\(header.recordID)",
                                    "problem": "\(header.damaged ?? "")"])
            stats.add("changes.damaged")
        }
    }
}
