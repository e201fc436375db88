import Synchronization

/// A stream-only watch's progress, saved behind its deliveries: the worker publishes the next
/// match while the last batch's cursor is still being committed, so a match never waits for
/// the watch database's fsync. One save at a time; progress posted meanwhile is merged into
/// the next one (the newest cursor, the counts added up). A crash still repeats at most what
/// was delivered since the last commit (at-least-once), as with a save awaited in place.
final class DeferredProgress: Sendable {
    private struct State {
        var next: ProgressWriter.Progress?
        var saving = false
        /// A save that came back stale or failed, for the worker to act on.
        var problem: ProgressWriter.Outcome?
        var idle: [CheckedContinuation<Void, Never>] = []
    }

    private let writer: ProgressWriter
    private let state = Mutex(State())

    init(writer: ProgressWriter) {
        self.writer = writer
    }

    /// Saves `progress` after whatever save is running.
    func post(_ progress: ProgressWriter.Progress) {
        let start = state.withLock { state in
            state.next = state.next.map { merged($0, then: progress) } ?? progress
            defer { state.saving = true }
            return !state.saving
        }
        // Not a child task: like the writer's own, the save must finish while shutdown cancels the worker.
        if start { Task { await saveWhilePosted() } }
    }

    /// What went wrong with a save since the last call: stale (the watch was rewound or
    /// removed) or failed; nil when every save so far was committed.
    func takeProblem() -> ProgressWriter.Outcome? {
        state.withLock { state in defer { state.problem = nil }; return state.problem }
    }

    /// Returns once everything posted is committed (or has failed): before the worker reads
    /// its watch again, and before it stops.
    func settle() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.saving { state.idle.append(continuation) }
                return !state.saving
            }
            if done { continuation.resume() }
        }
    }

    private func saveWhilePosted() async {
        while true {
            // The next progress, or (in the same lock, so nothing posted can be missed) the end
            // of saving and whoever waits for it.
            let (next, idle) = state.withLock { state -> (ProgressWriter.Progress?, [CheckedContinuation<Void, Never>]) in
                if let next = state.next {
                    state.next = nil
                    return (next, [])
                }
                state.saving = false
                defer { state.idle.removeAll() }
                return (nil, state.idle)
            }
            guard let next else {
                for continuation in idle { continuation.resume() }
                return
            }
            let outcome = await writer.save(next)
            if outcome != .saved { state.withLock { $0.problem = $0.problem ?? outcome } }
        }
    }

    private func merged(_ earlier: ProgressWriter.Progress, then later: ProgressWriter.Progress) -> ProgressWriter.Progress {
        ProgressWriter.Progress(watch: later.watch, rewinds: later.rewinds, cursor: later.cursor,
                                delivered: earlier.delivered + later.delivered, failures: earlier.failures + later.failures,
                                deadInARow: later.deadInARow)
    }
}
