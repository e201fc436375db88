import Foundation
import Client
import Replication
import ServiceKit
import ServiceLifecycle
import WireProtocol

/// Builds the notifier from its options; the command and the tests both call it.
func makeNotifier(_ options: NotifierOptions, _ runtime: ServiceRuntime) async throws -> [any Service] {
    let dataDirectory = URL(fileURLWithPath: options.dataDir)
    let watches = try WatchStore(directory: dataDirectory, sealer: try secretsSealer(options, dataDirectory: dataDirectory, runtime))
    let unopened = try await watches.secretsThatDoNotOpen()
    if !unopened.isEmpty {
        runtime.logger.error("webhook secrets do not open with this key; those watches stay paused",
                             metadata: ["watches": "\(unopened.joined(separator: ","))", "key": "\(watches.sealerSource)"])
    }
    let registry = WorkerRegistry()
    let buffer = ChangeBuffer { registry.wakeAll() }
    let store = try await ServiceClient(endpoint: options.store, name: "notifier-store", attemptTimeout: .seconds(5),
                                        context: runtime.context, logger: runtime.logger,
                                        security: try runtime.security.clientOptions(to: "evidence-store"))
    let follower = try FeedFollower(feedEndpoint: options.feed, store: store,
                                    sink: NotifierSink(buffer: buffer, watches: watches, registry: registry), start: .head, runtime: runtime)
    let stream = try await StreamPublisher(endpoint: options.streamBind, highWaterMark: options.streamHighWaterMark, runtime: runtime,
                                           ownerOf: { try watches.ownerNow(of: $0) })
    let transport = WebhookTransport()
    let policy = TargetPolicy(allowPrivate: options.allowPrivateWebhooks, resolver: transport.resolver)
    if options.allowPrivateWebhooks {
        runtime.logger.warning("webhooks to loopback, private, link-local and other special-purpose addresses are allowed")
    }
    let firstWait = Duration.milliseconds(options.webhookBackoffMs)
    let sender = WebhookSender(attempts: options.webhookAttempts,
                               backoff: Backoff(initial: firstWait, maximum: firstWait * 1024, jitter: 0.5...1.5),
                               timeout: .seconds(options.webhookTimeout), policy: policy, transport: transport)
    let context = DeliveryContext(watches: watches, progress: ProgressWriter(watches: watches, logger: runtime.logger, stats: runtime.state.stats), buffer: buffer, store: store, stream: stream, sender: sender,
                                  registry: registry, follower: follower, stats: runtime.state.stats, logger: runtime.logger,
                                  pauseAfter: options.pauseAfter)

    // On /metrics from the start (at 0), so that alerts on them have a series to watch.
    runtime.state.stats.declare(["deliveries", "webhook.failures", "dead_letters", "stream.dropped"])

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

/// The key that seals webhook secrets: `--secrets-key`, else `webhook-secrets.key` in the
/// deployment's key folder (`ldn keys init` makes it), else in the data folder, made at first
/// start. A key beside the database still keeps the secrets out of copies of the database
/// file alone (backups, dumps); a key kept elsewhere keeps them out of copies of the whole
/// folder too.
private func secretsSealer(_ options: NotifierOptions, dataDirectory: URL, _ runtime: ServiceRuntime) throws -> SecretSealer {
    if options.secretsKey.isEmpty, let keys = runtime.security.keys,
       FileManager.default.fileExists(atPath: keys.webhookSecretsKeyURL.path) {
        return try SecretSealer(keyFile: keys.webhookSecretsKeyURL)
    }
    let file = options.secretsKeyFile(dataDirectory)
    if options.secretsKey.isEmpty && !FileManager.default.fileExists(atPath: file.path) {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        try SecretSealer.generate(to: file)
        runtime.logger.info("made a key for webhook secrets", metadata: ["key": "\(file.path)"])
    }
    return try SecretSealer(keyFile: file)
}
