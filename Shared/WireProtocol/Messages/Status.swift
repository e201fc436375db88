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
    /// Measurements that are not totals, e.g. `mean_batch_size`, `database_bytes`.
    public var gauges: [String: Double]?
    /// Where the service is in the store's change log (store, query, notifier).
    public var sequence: SequenceStatus?
    /// A follower's (query, notifier) most recent change it could not apply and skipped.
    public var lastSkipped: SkippedChange?

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

    /// On the wire, `protocolVersion` is `protocol`.
    enum CodingKeys: String, CodingKey {
        case service, version, instance, endpoints, counters, gauges, sequence, lastSkipped, startedAt, uptimeSeconds
        case protocolVersion = "protocol"
    }
}

/// Position in the change log. For the store, `head` is its last sequence number; for a
/// follower, `applied` is what it has applied, `lag` how far behind the head it is, and
/// `catching_up` whether it is still catching up (as in a query answer's `replica`).
public struct SequenceStatus: Codable, Sendable {
    public var head: Int64
    public var applied: Int64?
    public var catchingUp: Bool?
    public var lag: Int64? { applied.map { max(head - $0, 0) } }

    public init(head: Int64, applied: Int64? = nil, catchingUp: Bool? = nil) {
        self.head = head
        self.applied = applied
        self.catchingUp = catchingUp
    }

    enum CodingKeys: CodingKey {
        case head, applied, lag, catchingUp
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        head = try container.decode(Int64.self, forKey: .head)
        applied = try container.decodeIfPresent(Int64.self, forKey: .applied)
        catchingUp = try container.decodeIfPresent(Bool.self, forKey: .catchingUp)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(head, forKey: .head)
        try container.encodeIfPresent(applied, forKey: .applied)
        try container.encodeIfPresent(lag, forKey: .lag)
        try container.encodeIfPresent(catchingUp, forKey: .catchingUp)
    }
}

/// A change a follower could not apply and skipped: which, and why.
public struct SkippedChange: Codable, Sendable, Hashable {
    public var seq: Int64
    /// Absent when the change's header itself did not read.
    public var recordID: Int64?
    public var key: String?
    public var reason: String
    public var at: Date

    public init(seq: Int64, recordID: Int64?, key: String?, reason: String, at: Date) {
        self.seq = seq
        self.recordID = recordID
        self.key = key
        self.reason = reason
        self.at = at
    }
}
