import Foundation
import Synchronization
import WireProtocol

/// What a service knows about itself, for `status`: who it is, since when, where it
/// listens, and its counters.
public final class ServiceState: Sendable {
    public let service: String
    public let instance: String
    public let startedAt = Date()
    /// This service's metrics; its named counters are `stats`' too.
    public let metrics = ServiceMetrics()
    public let stats: ServiceStats
    private let started = ContinuousClock.now
    private let endpoints = Mutex<[String: String]>([:])

    public init(service: String) {
        self.service = service
        self.stats = ServiceStats(metrics: metrics)
        self.instance = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Records where an endpoint is bound (the real port, when `*` was asked for).
    public func setEndpoint(_ role: String, _ address: String) {
        endpoints.withLock { $0[role] = address }
    }

    public var boundEndpoints: [String: String] { endpoints.withLock { $0 } }

    public var uptime: Duration { ContinuousClock.now - started }

    public func status() -> StatusReply {
        let uptime = self.uptime.components
        return StatusReply(service: service, version: LDNVersion.current, instance: instance, startedAt: startedAt,
                           uptimeSeconds: Double(uptime.seconds) + Double(uptime.attoseconds) / 1e18,
                           endpoints: boundEndpoints, counters: stats.totals)
    }
}
