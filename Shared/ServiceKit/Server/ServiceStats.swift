import Foundation
import Synchronization

/// Counters for `status` (totals since start) and for the periodic throughput line
/// (requests, errors and latencies since the previous line).
///
/// Every named counter is also a Prometheus counter (`MetricName.statusCounter`), moved by the
/// same call: `status` and `/metrics` never disagree, and nothing is counted twice by hand.
public final class ServiceStats: Sendable {
    public struct Window: Sendable {
        public var requests = 0
        public var errors = 0
        public var latenciesMicros: [UInt32] = []
        public var counters: [String: Int] = [:]
        public var started = ContinuousClock.now
    }

    private struct State {
        var totals: [String: Int] = ["requests": 0, "errors": 0]
        var window = Window()
    }

    private let state = Mutex(State())
    private let metrics: ServiceMetrics?

    public init(metrics: ServiceMetrics? = nil) {
        self.metrics = metrics
    }

    public func recordRequest(ok: Bool, duration: Duration) {
        let micros = UInt32(clamping: duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000)
        state.withLock { state in
            state.totals["requests", default: 0] += 1
            state.window.requests += 1
            if !ok {
                state.totals["errors", default: 0] += 1
                state.window.errors += 1
            }
            if state.window.latenciesMicros.count < 100_000 { state.window.latenciesMicros.append(micros) }
        }
    }

    /// Adds to a named counter, e.g. `records.accepted`.
    public func add(_ counter: String, _ amount: Int = 1) {
        state.withLock { state in
            state.totals[counter, default: 0] += amount
            state.window.counters[counter, default: 0] += amount
        }
        metrics?.counter(MetricName.statusCounter(counter)).increment(by: amount)
    }

    /// Makes counters appear on `/metrics` at 0 before their first event, so that a rate or
    /// an alert on them has a series from the start (`status` shows them once they move).
    public func declare(_ counters: [String]) {
        for counter in counters { _ = metrics?.counter(MetricName.statusCounter(counter)) }
    }

    public var totals: [String: Int] { state.withLock { $0.totals } }

    /// The window since the last call, and a fresh one started.
    public func takeWindow() -> Window {
        state.withLock { state in
            let window = state.window
            state.window = Window()
            return window
        }
    }
}

extension ServiceStats.Window {
    /// The latency below which `fraction` of requests finished, in milliseconds.
    public func percentileMilliseconds(_ fraction: Double) -> Double {
        guard !latenciesMicros.isEmpty else { return 0 }
        let sorted = latenciesMicros.sorted()
        let index = min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)
        return Double(sorted[max(index, 0)]) / 1000
    }
}
