import Logging
import ServiceLifecycle

/// Logs one `throughput` line per interval while there is traffic: requests, errors, rate,
/// p50/p99 latency and every counter that moved. Per-request lines stay at debug, so a
/// busy service's log remains readable.
struct ThroughputLogger: Service {
    let stats: ServiceStats
    let interval: Duration
    let logger: Logger

    func run() async throws {
        // The first round finds an empty window and logs nothing; then one line per interval.
        try await RepeatingWork("throughput", every: interval, stats: stats, logger: logger) {
            report(stats.takeWindow())
        }.run()
    }

    private func report(_ window: ServiceStats.Window) {
        guard window.requests > 0 || !window.counters.isEmpty else { return }
        let seconds = max((ContinuousClock.now - window.started).milliseconds / 1000, 0.001)
        var metadata: Logger.Metadata = [
            "requests": "\(window.requests)",
            "errors": "\(window.errors)",
            "requests.per.second": "\(Int((Double(window.requests) / seconds).rounded()))",
            "latency.p50.ms": "\(rounded(window.percentileMilliseconds(0.50)))",
            "latency.p99.ms": "\(rounded(window.percentileMilliseconds(0.99)))",
        ]
        for (name, value) in window.counters { metadata[name] = "\(value)" }
        logger.info("throughput", metadata: metadata)
    }

    private func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}
