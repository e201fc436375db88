import CoreMetrics
import Foundation
import Metrics
import Prometheus
import Synchronization

/// One service's metrics (docs/OPERATIONS.md, "Metrics"): swift-metrics handles made by a
/// Prometheus factory over a registry of this runtime's own, and exposed by `MetricsServer`.
///
/// Why a registry per runtime rather than `MetricsSystem`'s global factory: tests run several
/// services in one process, and each must count only its own requests. The executable also
/// bootstraps `MetricsSystem` with this factory (`bootstrapProcessWide`), so that whatever a
/// library records through the global API lands in the same `/metrics`.
///
/// Handles are made once per name and label set and kept, so the hot path only increments.
public final class ServiceMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    public let factory: PrometheusMetricsFactory
    private let counters = Mutex<[Key: CoreMetrics.Counter]>([:])
    private let timers = Mutex<[Key: CoreMetrics.Timer]>([:])
    private let scrapeHooks = Mutex<[@Sendable () -> Void]>([])

    private struct Key: Hashable {
        let name: String
        let labels: [String]

        init(_ name: String, _ dimensions: [(String, String)]) {
            self.name = name
            labels = dimensions.flatMap { [$0.0, $0.1] }
        }
    }

    /// Request latencies: most answers take well under a millisecond, a large submit seconds.
    public static let requestDurationBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2.5), .seconds(5), .seconds(10),
    ]
    /// Records per commit: 1 when idle, up to the store's `--max-batch-records` under load.
    public static let batchSizeBuckets: [Double] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [MetricName.requestDuration: Self.requestDurationBuckets]
        factory.valueHistogramBuckets = [MetricName.storeCommitBatchRecords: Self.batchSizeBuckets]
        self.factory = factory
    }

    /// A counter, made on first use and kept (labels in a fixed order: the key).
    public func counter(_ name: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Counter {
        Self.kept(in: counters, Key(name, dimensions)) { CoreMetrics.Counter(label: name, dimensions: dimensions, factory: factory) }
    }

    /// A latency histogram (a swift-metrics `Timer`, in seconds), made on first use and kept.
    public func timer(_ name: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Timer {
        Self.kept(in: timers, Key(name, dimensions)) { CoreMetrics.Timer(label: name, dimensions: dimensions, factory: factory) }
    }

    /// The handle kept under `key`, made by `make` on first use.
    private static func kept<Handle: Sendable>(in handles: borrowing Mutex<[Key: Handle]>, _ key: Key,
                                               make: () -> Handle) -> Handle {
        handles.withLock { handles in
            if let handle = handles[key] { return handle }
            let handle = make()
            handles[key] = handle
            return handle
        }
    }

    /// A gauge; the caller keeps it.
    public func gauge(_ name: String) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: name, factory: factory)
    }

    /// A histogram of values (a swift-metrics aggregating `Recorder`); the caller keeps it.
    public func histogram(_ name: String) -> CoreMetrics.Recorder {
        CoreMetrics.Recorder(label: name, factory: factory)
    }

    /// Runs `update` before each scrape: for gauges read from a state that is cheaper to look
    /// at when asked than to track on every change (a follower's lag).
    public func beforeScrape(_ update: @escaping @Sendable () -> Void) {
        scrapeHooks.withLock { $0.append(update) }
    }

    /// Every metric in Prometheus's text format 0.0.4, as of now.
    public func exposition() -> [UInt8] {
        for hook in scrapeHooks.withLock({ $0 }) { hook() }
        return registry.emitToBuffer()
    }

    /// A gauge whose value is read when scraped.
    public func gauge(_ name: String, reading value: @escaping @Sendable () -> Int64) {
        let gauge = self.gauge(name)
        beforeScrape { gauge.record(value()) }
    }

    /// Sends what libraries record through swift-metrics' global API to this registry.
    /// Once per process (`MetricsSystem` allows one bootstrap): the executable's runtime.
    public func bootstrapProcessWide() {
        MetricsSystem.bootstrap(factory)
    }
}
