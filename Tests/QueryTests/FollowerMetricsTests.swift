import EvidenceModel
import Foundation
import SyntheticData
import TestHarness
import Testing
import WireProtocol
@testable import EvidenceStore
@testable import Query

/// A query replica's follower metrics, scraped over HTTP, beside the store's in the same process:
/// each service's `/metrics` holds its own counts only.
@Suite("Follower metrics, scraped", .timeLimit(.minutes(1)))
struct FollowerMetricsTests {
    @Test("Applied sequence and lag follow the store's head; changes applied equal the store's commits; each service counts only its own requests")
    func followerProgress() async throws {
        let layout = try ServiceLayout()
        defer { layout.removeData() }
        let store = layout.store
        let storeOptions = try StoreOptions.parse(layout.arguments("evidence-store"))
        let queryOptions = try QueryOptions.parse(layout.arguments("query"))
        let records = try (1...4).map { try #require(RecordIntake.evaluate(SyntheticRecords.record($0).jsonData).record) }
        let metrics = ["--metrics-bind", "127.0.0.1:0"]

        try await withService("evidence-store", options: metrics, build: { try await makeStore(storeOptions, $0) }) { storeRuntime in
            try await withService("query", options: metrics, build: { try await makeQuery(queryOptions, $0) }) { queryRuntime in
                let storePort = try RawHTTP.port(ofMetricsURL: storeRuntime.state.boundEndpoints["metrics"])
                let queryPort = try RawHTTP.port(ofMetricsURL: queryRuntime.state.boundEndpoints["metrics"])
                #expect(storePort != queryPort)
                // Following the feed before the writes, so the changes are applied one by one, not loaded in a snapshot.
                try await eventually("the replica follows the feed") {
                    try await RawHTTP.scrape(port: queryPort).value("ldn_follower_catching_up") == 0
                }
                _ = try await write(Array(records[0..<3]), to: store)
                _ = try await write([records[3]], to: store)
                try await eventually("the replica's /metrics shows change 4 applied, lag 0") {
                    let page = try await RawHTTP.scrape(port: queryPort)
                    return page.value("ldn_follower_applied_seq") == 4 && page.value("ldn_follower_lag_changes") == 0
                        && page.value("ldn_follower_catching_up") == 0
                }
                let replica = try await RawHTTP.scrape(port: queryPort)
                #expect(replica.value("ldn_follower_store_head_seq") == 4)
                #expect(replica.value("ldn_changes_applied_total") == 4)
                #expect(replica.value("ldn_changes_skipped_total") == 0)
                #expect(replica.value("ldn_follower_catching_up") == 0)
                // The follower's own requests to the store are the store's, not the replica's.
                #expect(replica.value("ldn_requests_total", ["type": "write", "outcome": "ok"]) == nil)
                #expect(replica.value("ldn_records_committed_total") == nil)
                let storePage = try await RawHTTP.scrape(port: storePort)
                #expect(storePage.value("ldn_records_committed_total") == 4)
                #expect(storePage.value("ldn_follower_applied_seq") == nil)
            }
        }
    }
}
