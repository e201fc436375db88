import Foundation
import Client
import Replication
import ServiceKit
import ServiceLifecycle
import WireProtocol

/// Builds the notifier from its options; the command and the tests both call it.
func makeNotifier(_ options: NotifierOptions, _ runtime: ServiceRuntime) async throws -> [any Service] {
    let watches = try WatchStore(directory: URL(fileURLWithPath: options.dataDir))
    let registry = WorkerRegistry()
    let buffer = ChangeBuffer { registry.wakeAll() }
    let store = try await ServiceClient(endpoint: options.store, name: "notifier-store", attemptTimeout: .seconds(5),
                                        context: runtime.context, logger: runtime.logger)
    let follower = FeedFollower(feedEndpoint: options.feed, store: store, sink: buffer, start: .head, runtime: runtime)
    let stream = try await StreamPublisher(endpoint: options.streamBind, highWaterMark: options.streamHighWaterMark, runtime: runtime)
    let transport = WebhookTransport()
    let policy = TargetPolicy(allowPrivate: options.allowPrivateWebhooks, resolver: transport.resolver)
    if options.allowPrivateWebhooks {
        runtime.logger.warning("webhooks to loopback, private and link-local addresses are allowed")
    }
    let firstWait = Duration.milliseconds(options.webhookBackoffMs)
    let sender = WebhookSender(attempts: options.webhookAttempts,
                               backoff: Backoff(initial: firstWait, maximum: firstWait * 1024, jitter: 0.5...1.5),
                               timeout: .seconds(options.webhookTimeout), policy: policy, transport: transport)
    let context = DeliveryContext(watches: watches, progress: ProgressWriter(watches: watches, logger: runtime.logger, stats: runtime.state.stats), buffer: buffer, store: store, stream: stream, sender: sender,
                                  registry: registry, follower: follower, stats: runtime.state.stats, logger: runtime.logger,
                                  pauseAfter: options.pauseAfter)

    var routes = Routes()
    NotifierRoutes(context: context, policy: policy).add(to: &routes)
    routes.addStatus(runtime.state) { status in
        let state = follower.state
        status.sequence = SequenceStatus(head: state.storeHead, applied: state.applied, catchingUp: state.catchingUp)
        status.lastSkipped = follower.skipped.last
        status.counters["changes.skipped"] = status.counters["changes.skipped"] ?? 0  // shown even while none
        let all = try await watches.all(), dead = try await watches.deadLetterCounts()
        let dropped = stream.droppedByWatch
        status.counters["watches"] = all.count
        status.counters["watches.paused"] = all.count { $0.paused != nil }
        status.counters["dead_letters"] = dead.values.reduce(0, +)
        status.counters["stream.dropped"] = dropped.values.reduce(0, +)
        var gauges: [String: Double] = [:]
        for watch in all {
            gauges["watch.\(watch.name).lag"] = Double(max(state.storeHead - watch.cursor, 0))
            gauges["watch.\(watch.name).dropped"] = Double(dropped[watch.name] ?? 0)
        }
        status.gauges = gauges
    }
    let server = try await RequestServer(endpoint: options.bind, runtime: runtime, routes: routes)
    // Shut down in reverse: stop answering, stop the workers (they save their cursors),
    // stop following, close the stream, the store link, then the webhooks' threads.
    return [transport, store, stream, follower, Dispatcher(context: context, grace: .milliseconds(options.streamGraceMs)), server]
}

