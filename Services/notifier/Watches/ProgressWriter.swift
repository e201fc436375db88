import Logging
import ServiceKit
import Synchronization

/// Group commit for watch progress. Workers that save at about the same time (a change
/// wakes every worker at once) share one transaction, one fsync, instead of one each. A
/// worker waits for the commit that holds its save, so progress it counts as saved is on disk.
final class ProgressWriter: Sendable {
    /// One worker's progress since its last save.
    struct Progress: Sendable {
        let watch: String
        /// The watch's `rewinds` when the worker read it: a save from before a replay is stale.
        let rewinds: Int
        let cursor: Int64
        let delivered: Int
        let failures: Int
        let deadInARow: Int
        /// A synthesis watch's set and figures, saved with the cursor (nil: nothing changed).
        var synthesis: SynthesisProgress? = nil
    }

    /// What became of a save.
    enum Outcome: Sendable {
        case saved
        /// The watch was removed or rewound meanwhile: the worker reads it again.
        case stale
        /// The write failed (logged and counted): the worker waits, then reads its watch again.
        case failed
    }

    private struct State {
        var pending: [(Progress, CheckedContinuation<Outcome, Never>)] = []
        var writing = false
    }

    private let watches: WatchStore
    private let logger: Logger
    private let stats: ServiceStats
    private let state = Mutex(State())

    init(watches: WatchStore, logger: Logger, stats: ServiceStats) {
        self.watches = watches
        self.logger = logger
        self.stats = stats
    }

    /// Saves `progress` with whatever else is waiting.
    func save(_ progress: Progress) async -> Outcome {
        await withCheckedContinuation { continuation in
            let startWriting = state.withLock { state in
                state.pending.append((progress, continuation))
                defer { state.writing = true }
                return !state.writing
            }
            // Not a child task: the write must finish even while shutdown cancels the workers.
            if startWriting { Task { await writeWhilePending() } }
        }
    }

    private func writeWhilePending() async {
        while true {
            let batch = state.withLock { state in
                defer { state.pending.removeAll() }
                if state.pending.isEmpty { state.writing = false }
                return state.pending
            }
            guard !batch.isEmpty else { return }
            let outcomes: [Outcome]
            do {
                outcomes = try await watches.advance(batch.map(\.0)).map { $0 ? .saved : .stale }
            } catch {
                stats.add("watch_store.errors")
                logger.error("cannot save watch progress; deliveries since the last save may repeat",
                             metadata: ["watches": "\(batch.count)", "error": "\(error)"])
                outcomes = Array(repeating: .failed, count: batch.count)
            }
            for ((_, waiter), outcome) in zip(batch, outcomes) { waiter.resume(returning: outcome) }
        }
    }
}
