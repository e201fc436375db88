import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import WireProtocol
import ZMQ

/// What a service's builder gets: the process's ZeroMQ context, its state for `status`,
/// its logger and the common options.
public struct ServiceRuntime: Sendable {
    public let context: Context
    public let state: ServiceState
    public let logger: Logger
    public let options: CommonOptions
    /// Keys, allow-list and ZAP handler, or plaintext (`--keys`, `--insecure`).
    public let security: ServiceSecurity
    /// This service's metrics (`/metrics` with `--metrics-bind`).
    public var metrics: ServiceMetrics { state.metrics }

    public init(service: String, options: CommonOptions, context: Context? = nil, logger: Logger? = nil) throws {
        let context = try context ?? Context()
        let state = ServiceState(service: service)
        self.context = context
        self.state = state
        self.logger = logger ?? Logger(label: "ldn.\(service)")
        self.options = options
        if let folder = options.keyFolder {
            security = try ServiceSecurity(directory: URL(fileURLWithPath: folder), identity: options.keyIdentity ?? service,
                                           context: context, logger: self.logger,
                                           refused: { state.stats.add("handshakes.refused") })
        } else {
            security = ServiceSecurity(insecure: options.allowsPlaintext)
        }
    }
}

/// Runs a service process: logging set up once, the services in a `ServiceGroup` that
/// drains them on SIGTERM or SIGINT, one line at start and one at the end.
/// Returns normally after a clean shutdown (exit 0); exits 1 after a failure, which is logged.
public enum ServiceRunner {
    public static func run(service: String, options: CommonOptions,
                           build: (ServiceRuntime) async throws -> [any Service]) async throws {
        let format = options.logFormat, level = options.logLevel
        LoggingSystem.bootstrap { _ in LineLogHandler(service: service, format: format, level: level) }
        let startLogger = Logger(label: "ldn.\(service)")
        startLogger.info("starting", metadata: ["version": "\(LDNVersion.current)", "pid": "\(getpid())",
                                                "libzmq": "\(Context.libraryVersion)"])
        let runtime: ServiceRuntime
        do {
            runtime = try ServiceRuntime(service: service, options: options, logger: startLogger)
        } catch {
            startLogger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        let logger = runtime.logger
        logSecurity(runtime.security, logger: logger)
        runtime.security.reloadOnHangup(logger: logger)
        var services: [any Service] = []
        do {
            // First in the group, so that it stops last: a drain can still be watched.
            if let metricsServer = try await runtime.makeMetricsServer() {
                runtime.metrics.bootstrapProcessWide()
                services.append(metricsServer)
            }
            services += try await build(runtime)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        do {
            if options.statsInterval > 0 {
                services.append(ThroughputLogger(stats: runtime.state.stats, interval: .seconds(options.statsInterval),
                                                 logger: logger))
            }
            var groupLogger = logger
            groupLogger.logLevel = min(level, .notice)
            let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: groupLogger)
            try await group.run()
        } catch {
            logger.critical("stopped after a failure", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        runtime.context.shutdown()
        if !runtime.context.terminate(within: .seconds(5)) {
            logger.warning("a ZeroMQ socket was still open 5 s after shutdown; exiting without waiting for it")
        }
        logger.info("stopped cleanly", metadata: ["uptime.seconds": "\(Int(runtime.state.uptime.milliseconds / 1000))"])
    }

    private static func logSecurity(_ security: ServiceSecurity, logger: Logger) {
        if let keyPair = security.keyPair, let allowList = security.allowList {
            logger.info("CURVE keys in use", metadata: ["identity": "\(keyPair.name)", "public.key": "\(keyPair.publicKey)",
                                                      "allow.list": "\(allowList.url.path)",
                                                      "identities": "\(allowList.list.names.count)"])
        } else if security.insecure {
            logger.warning("--insecure: plaintext on every endpoint, with no authentication; anyone who can reach a port can do anything")
        } else {
            logger.info("no keys: plaintext, on loopback endpoints only")
        }
    }
}

extension ServiceRuntime {
    /// The metrics server `--metrics-bind` asks for, bound (its URL is the `metrics` endpoint
    /// in `status`); nil when metrics are off.
    public func makeMetricsServer() async throws -> MetricsServer? {
        guard let bind = options.metricsAddress else { return nil }
        let server = try await MetricsServer(bind: bind, metrics: metrics, logger: logger)
        state.setEndpoint("metrics", server.url)
        return server
    }
}
