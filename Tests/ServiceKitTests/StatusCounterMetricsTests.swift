import TestHarness
import Testing
@testable import ServiceKit

/// `status` counters and `/metrics` are one bookkeeping: one call moves both.
@Suite("Status counters on /metrics")
struct StatusCounterMetricsTests {
    @Test("A status counter is a Prometheus counter named from it; declared ones show 0 before they move")
    func bridged() {
        let state = ServiceState(service: "test")
        state.stats.declare(["dead_letters"])
        #expect(MetricsPage(String(decoding: state.metrics.exposition(), as: UTF8.self)).value("ldn_dead_letters_total") == 0)
        #expect(state.stats.totals["dead_letters"] == nil)  // status lists it once it moves

        state.stats.add("records.committed", 7)
        state.stats.add("records.committed", 3)
        state.stats.add("feed.gaps_repaired")
        let page = MetricsPage(String(decoding: state.metrics.exposition(), as: UTF8.self))
        #expect(page.value("ldn_records_committed_total") == 10 && state.stats.totals["records.committed"] == 10)
        #expect(page.value("ldn_feed_gaps_repaired_total") == 1)
        #expect(page.text.contains("# TYPE ldn_records_committed_total counter"))
    }

    @Test("Names become valid metric names", arguments: [
        ("records.committed", "ldn_records_committed_total"), ("head_probe.failures", "ldn_head_probe_failures_total"),
        ("Odd-Name x", "ldn_odd_name_x_total"),
    ])
    func names(status: String, metric: String) {
        #expect(MetricName.statusCounter(status) == metric)
    }

    @Test("Two services in one process keep their own counts")
    func separateRegistries() {
        let (a, b) = (ServiceState(service: "a"), ServiceState(service: "b"))
        a.stats.add("deliveries", 2)
        let pageB = MetricsPage(String(decoding: b.metrics.exposition(), as: UTF8.self))
        #expect(pageB.value("ldn_deliveries_total") == nil)
    }
}
