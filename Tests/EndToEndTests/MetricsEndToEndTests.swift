import Foundation
import TestHarness
import Testing

/// The executables with `--metrics-bind`: scraped over HTTP on 127.0.0.1 after a real load
/// through `ldn submit`, started and stopped with their services.
@Suite("Metrics of the running executables", .serialized, .timeLimit(.minutes(2)))
struct MetricsEndToEndTests {
    @Test("After a load through ingest: ingest, store and replica count the same records; SIGTERM closes the port; an address in use stops a service at start")
    func loadThenScrape() async throws {
        let ports = try ["evidence-store", "ingest", "query"].reduce(into: [String: Int]()) { $0[$1] = try freePort() }
        let set = try await LocalSet.start(["evidence-store", "ingest", "query"],
                                           extraArguments: ports.mapValues { ["--metrics-bind", "127.0.0.1:\($0)"] })
        defer { set.killAll() }
        let store = try #require(set.process("evidence-store"))
        _ = try await store.waitForLine("serving metrics", "url=http://127.0.0.1:\(ports["evidence-store"]!)/metrics")

        try await submit(set, 0..<30)
        try await submit(set, 0..<30)  // again: 30 duplicates, nothing committed
        let ingest = try await RawHTTP.scrape(port: ports["ingest"]!)
        #expect(ingest.value("ldn_records_accepted_total") == 30)
        #expect(ingest.value("ldn_records_duplicate_total") == 30)
        #expect(ingest.value("ldn_requests_total", ["type": "submit", "outcome": "ok"]) == 2)
        #expect(ingest.value("ldn_request_duration_seconds_count", ["type": "submit"]) == 2)
        #expect(ingest.value("ldn_ingest_store_connected") == 1)
        let storePage = try await RawHTTP.scrape(port: ports["evidence-store"]!)
        #expect(storePage.value("ldn_records_committed_total") == 30)
        #expect(storePage.value("ldn_store_head_seq") == 30)
        try await eventually("the replica's /metrics shows all 30 applied") {
            let page = try await RawHTTP.scrape(port: ports["query"]!)
            return page.value("ldn_follower_applied_seq") == 30 && page.value("ldn_changes_applied_total") == 30
                && page.value("ldn_follower_lag_changes") == 0
        }

        // A second store whose metrics address is taken: a clear error, exit 1, before it serves.
        let layout = try ServiceLayout()
        defer { layout.removeData() }
        let second = try ServiceProcess("ldn-evidence-store",
                                        layout.arguments("evidence-store") + ["--metrics-bind", "127.0.0.1:\(ports["evidence-store"]!)"])
        #expect(try await second.waitForExit() == 1)
        #expect(second.log.contains { $0.contains("cannot start") && $0.contains("cannot serve metrics on 127.0.0.1:\(ports["evidence-store"]!)") },
                "\(second.log.joined(separator: "\n"))")

        #expect(try await store.stop() == 0)
        #expect(throws: RawHTTP.Failure.self) { try RawHTTP.connect(port: ports["evidence-store"]!) }
    }
}
