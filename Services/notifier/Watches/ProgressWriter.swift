import Logging
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
    }

    private struct State {
        var pending: [(Progress, CheckedContinuation<Bool, Never>)] = []
        var writing = false
    }

    private let watches: WatchStore
    private let logger: Logger
    private let state = Mutex(State())

    init(watches: WatchStore, logger: Logger) {
        self.watches = watches
        self.logger = logger
    }

    /// Saves `progress` with whatever else is waiting. False when the watch was removed or
    /// rewound meanwhile, or the write failed: the worker reads its watch again.
    func save(_ progress: Progress) async -> Bool {
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
            let saved: [Bool]
            do {
                saved = try await watches.advance(batch.map(\.0))
            } catch {
                logger.error("cannot save watch progress; deliveries since the last save may repeat",
                             metadata: ["error": "\(error)"])
                saved = Array(repeating: false, count: batch.count)
            }
            for ((_, waiter), ok) in zip(batch, saved) { waiter.resume(returning: ok) }
        }
    }
}
