import Client
import Logging
import ServiceKit
import ServiceLifecycle

/// Starts a worker for every watch, and for each watch added later; on shutdown, stops them
/// (each saves its cursor first).
///
/// After a restart the workers start `grace` late: stream subscribers reconnect by
/// themselves, and PUB drops what is sent before they have subscribed again.
struct Dispatcher: Service {
    let context: DeliveryContext
    let grace: Duration

    func run() async throws {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: grace) }
        guard let existing = await loadWatches() else { return }  // shut down before they could be read
        await withDiscardingTaskGroup { group in
            func start(_ name: String) {
                // A watch added while the list loads is asked for twice; one worker is enough.
                guard let (id, wakeups) = context.registry.register(name) else { return }
                group.addTask {
                    await WatchWorker(name: name, context: context).run(wakeups: wakeups)
                    context.registry.finished(name, id: id)
                }
            }
            for watch in existing { start(watch.name) }
            context.logger.info("watches loaded", metadata: ["watches": "\(existing.count)"])
            for await name in context.registry.spawnRequests.cancelOnGracefulShutdown() { start(name) }
            context.registry.stopAll()
            group.cancelAll()
        }
    }

    /// Every watch; a failing database is retried (logged, counted) rather than ending the
    /// notifier. Nil when shutdown comes first.
    private func loadWatches() async -> [WatchStore.Watch]? {
        var backoff = Backoff()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                return try await context.watches.all()
            } catch {
                context.stats.add("watch_store.errors")
                context.logger.error("cannot read the watches; retrying", metadata: [
                    "error": "\(error)", "retry.in.ms": "\(backoff.next.milliseconds)"])
                await backoff.wait()
            }
        }
        return nil
    }
}
