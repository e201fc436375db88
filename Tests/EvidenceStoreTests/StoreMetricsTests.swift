import EvidenceModel
import Foundation
import SyntheticData
import TestHarness
import Testing
import WireProtocol
@testable import EvidenceStore

/// The store's `/metrics`, scraped over HTTP on 127.0.0.1 after real requests.
@Suite("The store's metrics, scraped", .timeLimit(.minutes(1)))
struct StoreMetricsTests {
    @Test("Records committed, head, batch sizes and requests by type and outcome match what was sent, and status agrees")
    func scrapeAfterWrites() async throws {
        let layout = try ServiceLayout()
        defer { layout.removeData() }
        let (bind, options) = (layout.store, try StoreOptions.parse(layout.arguments("evidence-store")))
        let records = try (1...5).map { try #require(RecordIntake.evaluate(SyntheticRecords.record($0).jsonData).record) }

        try await withService("evidence-store", options: ["--metrics-bind", "127.0.0.1:0"],
                              build: { try await makeStore(options, $0) }) { runtime in
            let port = try RawHTTP.port(ofMetricsURL: runtime.state.boundEndpoints["metrics"])
            let before = try await RawHTTP.scrape(port: port)
            #expect(before.value("ldn_records_committed_total") == 0)  // declared: a series from the start
            #expect(before.value("ldn_store_head_seq") == 0)

            _ = try await write(Array(records[0..<3]), to: bind)
            _ = try await write(Array(records[3..<5]), to: bind)
            _ = try await write([records[0]], to: bind)  // a duplicate: a commit, but no new change
            let unknown = try await raw(bind, [Data("LDN/1".utf8), Data("no-such-type".utf8), Data("u1".utf8), Data("{}".utf8)])
            #expect(unknown?.isOK == false)
            let status = try await TestHarness.status(bind)

            let page = try await RawHTTP.scrape(port: port)
            #expect(page.value("ldn_records_committed_total") == 5)
            #expect(Int(page.value("ldn_records_committed_total") ?? -1) == status.counters["records.committed"])
            #expect(page.value("ldn_store_head_seq") == 5)
            #expect(page.value("ldn_store_commit_batch_records_count") == 3)
            #expect(page.value("ldn_store_commit_batch_records_sum") == 6)
            #expect(page.value("ldn_store_commit_batch_records_bucket", ["le": "2.0"]) == 2)  // cumulative: the batches of 1 and 2
            #expect(page.value("ldn_requests_total", ["type": "write", "outcome": "ok"]) == 3)
            #expect(page.value("ldn_request_duration_seconds_count", ["type": "write"]) == 3)
            // A type the store does not route is counted as `other`: clients cannot add labels.
            #expect(page.value("ldn_requests_total", ["type": "other", "outcome": "unknown_type"]) == 1)
            #expect(!page.text.contains("no-such-type"))
            #expect(page.value("ldn_requests_total", ["type": "status", "outcome": "ok"]) == 1)
        }
    }
}
