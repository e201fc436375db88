import Foundation

/// The answer to `status`, which every service gives.
public struct StatusReply: Codable, Sendable {
    /// `ingest`, `evidence-store`, `query` or `notifier`.
    public var service: String
    public var version: String
    public var protocolVersion: String
    /// Host name and process id, to tell replicas apart.
    public var instance: String
    public var startedAt: Date
    public var uptimeSeconds: Double
    /// Role of each endpoint (`requests`, `feed`, `stream`) → address it is bound to.
    public var endpoints: [String: String]
    /// Running totals since start: `requests`, `errors`, and what the service counts.
    public var counters: [String: Int]

    public init(service: String, version: String, instance: String, startedAt: Date, uptimeSeconds: Double,
                endpoints: [String: String], counters: [String: Int]) {
        self.service = service
        self.version = version
        self.protocolVersion = Wire.version
        self.instance = instance
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.endpoints = endpoints
        self.counters = counters
    }

    enum CodingKeys: String, CodingKey {
        case service, version, instance, endpoints, counters
        case protocolVersion = "protocol"
        case startedAt = "started_at"
        case uptimeSeconds = "uptime_seconds"
    }
}

public enum MessageType {
    public static let status = "status"
}

/// The release of the whole set; every service reports it in `status`.
public enum LDNVersion {
    public static let current = "0.1.0"
}
