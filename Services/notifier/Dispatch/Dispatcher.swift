import Logging
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
        let existing = try await context.watches.all()
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
}
