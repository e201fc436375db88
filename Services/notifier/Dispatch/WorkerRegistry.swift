import Synchronization

/// The running watch workers: at most one per watch. How to wake one, all, or stop one, and
/// the queue of new watches the dispatcher must start workers for.
final class WorkerRegistry: Sendable {
    /// A running worker's wake-up signal; `id` tells a worker from a later one of the same name.
    private struct Entry {
        let id: Int
        let waker: AsyncStream<Void>.Continuation
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var nextID = 0
        /// Watches whose stored definition or state changed under their worker.
        var reloads: Set<String> = []
    }

    private let running = Mutex(State())
    let spawnRequests: AsyncStream<String>
    private let spawn: AsyncStream<String>.Continuation

    init() {
        (spawnRequests, spawn) = AsyncStream.makeStream(of: String.self)
    }

    /// Registers a worker for `name` and returns its id and wake-ups (several signals before
    /// it looks count as one); nil when one is running already.
    func register(_ name: String) -> (id: Int, wakeups: AsyncStream<Void>)? {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id: Int? = running.withLock { state in
            guard state.entries[name] == nil else { return nil }
            state.nextID += 1
            state.entries[name] = Entry(id: state.nextID, waker: continuation)
            return state.nextID
        }
        guard let id else { return nil }
        continuation.yield()
        return (id, stream)
    }

    /// A worker has returned; its name is free for a new one.
    func finished(_ name: String, id: Int) {
        running.withLock { state in
            if state.entries[name]?.id == id { state.entries[name] = nil }
        }
    }

    func requestWorker(for name: String) { spawn.yield(name) }

    func wake(_ name: String) { _ = running.withLock { $0.entries[name] }?.waker.yield() }

    /// The watch changed in the database (resumed, rewound): its worker reads it again.
    func reload(_ name: String) {
        _ = running.withLock { $0.reloads.insert(name) }
        wake(name)
    }

    /// Whether the worker must read its watch again; clears the request.
    func takeReload(_ name: String) -> Bool { running.withLock { $0.reloads.remove(name) != nil } }

    func wakeAll() { for entry in running.withLock({ Array($0.entries.values) }) { entry.waker.yield() } }

    /// Ends a worker: its wake-ups finish, and it returns.
    func stop(_ name: String) { running.withLock { $0.entries.removeValue(forKey: name) }?.waker.finish() }

    func stopAll() {
        let entries = running.withLock { state in defer { state.entries.removeAll() }; return Array(state.entries.values) }
        for entry in entries { entry.waker.finish() }
        spawn.finish()
    }
}
