import Logging
import NIOCore
import Synchronization
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// Serves `GET /metrics` over plain HTTP (`--metrics-bind`), on one event-loop thread of its
/// own: a slow or hostile scraper never takes a thread from the cooperative pool or from the
/// request sockets. Binds in `init`, so an address in use stops the service at start-up;
/// `run` serves until graceful shutdown.
///
/// Plain HTTP on any address, without `--insecure`: what it serves is counts, sequence
/// numbers and latencies, read-only, with no record data, identity or key (docs/SECURITY.md).
public final class MetricsServer: Service, Sendable {
    /// A connection that sends nothing for this long is closed.
    public static let idleTimeout = TimeAmount.seconds(30)
    /// Connections open at once; one more is closed as soon as it is accepted, so that a
    /// client opening many cannot use up the process's file descriptors. Prometheus holds one.
    public static let maxConnections = 64

    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let logger: Logger
    /// The port bound (the real one when 0 was asked for).
    public let port: Int
    public let bind: MetricsBind

    public init(bind: MetricsBind, metrics: ServiceMetrics, logger: Logger) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let open = OpenConnections(limit: Self.maxConnections)
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    guard open.admit(channel) else { return channel.close() }
                    return channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.addHandler(IdleStateHandler(readTimeout: Self.idleTimeout))
                        try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                        try pipeline.addHandler(MetricsHTTPHandler(metrics: metrics))
                    }
                }
                .bind(host: bind.host, port: bind.port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw MetricsServerError(bind: bind, reason: "\(error)")
        }
        self.group = group
        self.channel = channel
        self.logger = logger
        self.bind = bind
        self.port = channel.localAddress?.port ?? bind.port
        if bind.isLoopback {
            logger.info("serving metrics", metadata: ["url": "\(url)"])
        } else {
            logger.notice("serving metrics to every host that can reach this address (read-only counts, no record data)",
                          metadata: ["url": "\(url)"])
        }
    }

    /// Where to scrape, with the port bound.
    public var url: String { "http://\(bind.host.contains(":") ? "[\(bind.host)]" : bind.host):\(port)/metrics" }

    public func run() async throws {
        try? await gracefulShutdown()
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

/// Counts the connections open, to refuse those over the limit.
private final class OpenConnections: Sendable {
    private let count = Atomic(0)
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Whether `channel` may stay open; if it may, it is counted until it closes.
    func admit(_ channel: any Channel) -> Bool {
        guard count.add(1, ordering: .relaxed).newValue <= limit else {
            count.subtract(1, ordering: .relaxed)
            return false
        }
        channel.closeFuture.whenComplete { _ in self.count.subtract(1, ordering: .relaxed) }
        return true
    }
}

/// The metrics address could not be bound (in use, not this host's, not permitted).
public struct MetricsServerError: Error, CustomStringConvertible {
    public let bind: MetricsBind
    public let reason: String
    public var description: String { "cannot serve metrics on \(bind) (--metrics-bind / LDN_METRICS_BIND): \(reason)" }
}
