import Foundation
import Logging
import ServiceLifecycle
import WireProtocol

/// Runs each active search when it is due (its last run plus its interval; a new or resumed
/// search at once), one run at a time per search, and `harvest.run`'s runs at once. Sleeps
/// until the next search is due or something changes. At shutdown, runs stop between
/// batches; what they did is saved, and they resume at the next start.
actor HarvestScheduler: Service {
    private let store: HarvestStore
    private let runner: HarvestRunner
    private let logger: Logger
    private let wakeup = Wakeup()
    private var running: [String: Task<Void, Never>] = [:]

    init(store: HarvestStore, runner: HarvestRunner, logger: Logger) {
        self.store = store
        self.runner = runner
        self.logger = logger
    }

    nonisolated func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
        await stopAll()
    }

    /// Something changed: look again at what is due.
    nonisolated func poke() { wakeup.signal() }

    func isRunning(_ name: String) -> Bool { running[name] != nil }

    /// Starts a run of `name` now; false when one is under way already.
    func runNow(_ name: String) -> Bool {
        guard running[name] == nil else { return false }
        start(name)
        return true
    }

    /// Stops the search's run between batches, and waits for it to stop (a pause, a removal).
    func stop(_ name: String) async {
        guard let task = running[name] else { return }
        task.cancel()
        await task.value
    }

    private func loop() async {
        while !Task.isCancelled {
            var wait = Duration.seconds(3600)
            do {
                let now = Date()
                for search in try await store.all() where search.paused == nil && running[search.name] == nil {
                    let due = search.nextRunAt ?? now
                    if due <= now {
                        start(search.name)
                    } else {
                        wait = min(wait, .milliseconds(Int64(due.timeIntervalSince(now) * 1000) + 10))
                    }
                }
            } catch {
                logger.error("cannot read the saved searches; trying again in 5 s", metadata: ["error": "\(error)"])
                wait = .seconds(5)
            }
            await wakeup.wait(upTo: wait)
        }
    }

    private func start(_ name: String) {
        let (store, runner, logger) = (store, runner, logger)
        running[name] = Task {
            do {
                if let search = try await store.search(name), search.paused == nil {
                    _ = try await runner.run(search)
                }
            } catch is CancellationError {
                // Stopped (a pause, a removal, a shutdown) before the run began: nothing to save.
            } catch {
                logger.error("harvest run could not be saved; trying again in 5 s", metadata: ["search": "\(name)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(5))  // not at once: the database may need a moment
            }
            self.ended(name)
        }
    }

    private func ended(_ name: String) {
        running[name] = nil
        wakeup.signal()
    }

    private func stopAll() async {
        let tasks = Array(running.values)
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }
}
