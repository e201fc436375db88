import Client
import Metrics
import WireProtocol

/// Requests by message type and outcome, and their latency by type (`ldn_requests_total`,
/// `ldn_request_duration_seconds`), for every service's request server.
///
/// The `type` label takes only the types the service routes (and `status`); anything else a
/// client sends is `other`, so that nobody can grow the label set without bound.
struct RequestMetrics: Sendable {
    private let metrics: ServiceMetrics
    private let knownTypes: Set<String>

    init(metrics: ServiceMetrics, types: [String]) {
        self.metrics = metrics
        self.knownTypes = Set(types)
    }

    func record(_ reply: Reply, duration: Duration) {
        let type = knownTypes.contains(reply.type) ? reply.type : "other"
        let outcome = reply.isOK ? "ok" : reply.errorBody.code.rawValue
        metrics.counter(MetricName.requests, [("type", type), ("outcome", outcome)]).increment()
        metrics.timer(MetricName.requestDuration, [("type", type)]).record(duration: duration)
    }
}
