import Foundation
import Synchronization
import WireProtocol

/// The runs under way, as `harvest.list` shows them: updated by each run as pages arrive
/// and batches are answered; kept in memory only (a restarted run starts its figures again).
final class ProgressBoard: Sendable {
    private let runs = Mutex<[String: HarvestProgress]>([:])

    subscript(name: String) -> HarvestProgress? { runs.withLock { $0[name] } }

    func start(_ name: String, _ progress: HarvestProgress) { runs.withLock { $0[name] = progress } }

    func update(_ name: String, _ change: (inout HarvestProgress) -> Void) {
        runs.withLock { runs in
            if var progress = runs[name] {
                change(&progress)
                runs[name] = progress
            }
        }
    }

    func end(_ name: String) { _ = runs.withLock { $0.removeValue(forKey: name) } }
}

/// A count shared with the source's page callback (which is `@Sendable`).
final class SharedCount: Sendable {
    private let value = Mutex(0)

    var current: Int { value.withLock { $0 } }

    /// Adds `amount`; returns the new count.
    func add(_ amount: Int) -> Int { value.withLock { $0 += amount; return $0 } }
}
