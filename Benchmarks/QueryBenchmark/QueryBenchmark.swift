import ArgumentParser
import BenchmarkSupport
import EvidenceModel
import Foundation
import Client
import SyntheticData
import Synchronization
import TestHarness
import WireProtocol
import ZMQ

/// Query replicas under 100 000 synthetic records: latency of filtered queries, searches
/// and summaries through the real ZeroMQ request path, next to a raw ZeroMQ round trip of
/// the same size; a fresh replica's catch-up time; its memory; reads with 1 and 2 replicas.
///
///     swift build -c release && .build/release/ldn-bench-query
@main
struct QueryBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ldn-bench-query", abstract: "Measure query replicas: latency, catch-up, memory, read scaling.")

    @Option(help: "Synthetic records to load.")
    var records = 100_000

    @Option(help: "Requests per latency measurement.")
    var requests = 2000

    @Option(help: "Seconds per throughput measurement.")
    var seconds = 5.0

    @Option(help: "Only write the synthetic records as JSON Lines to this file, for trying things by hand.")
    var writeSynthetic: String?

    func run() async throws {
        if let path = writeSynthetic {
            return try Data(SyntheticRecords.jsonLines(0..<records).utf8).write(to: URL(fileURLWithPath: path))
        }
        print("LDN query benchmark — synthetic records (generated, not real studies)")
        let set = try await LocalSet.start(["evidence-store", "ingest"], environment: ["LDN_STATS_INTERVAL": "0"])
        let bodies = (0..<records).map { SyntheticRecords.record($0).jsonData }
        let load = try await Measure.load(bodies, ingest: set.ingest, batchSize: 250, inFlight: 6)
        print(String(format: "loaded %d records (%.0f records/s)", load.accepted, load.throughput))

        let started = ContinuousClock.now
        let query = try await set.start("query")
        _ = try await waitUntilCaughtUp(set.query, store: set.store, timeout: .seconds(300))
        let catchUp = (ContinuousClock.now - started).seconds
        print(String(format: "fresh replica caught up on %d records in %.2f s (target ≤ 5 s)", records, catchUp))

        let filtered = try await Measure.latencies(set.query, { index in
            let condition = ["crohns", "ms", "fibromyalgia", "crps", "chronic-pain", "long-covid"][index % 6]
            return Request(type: MessageType.query, id: "q-\(index)", body: QueryRequest(
                filter: EvidenceFilter(condition: condition, design: [.rct], minCertainty: .moderate), limit: 20))
        }, count: requests)
        let raw = try await RawRoundTrip.measure(replyBytes: filtered.1, count: requests)
        print("latency through the real request path (one client, one request at a time):")
        print("  raw ZeroMQ round trip, \(filtered.1)-byte reply: \(raw.line)")
        print("  filtered query (condition + design + certainty, 20 hits): \(filtered.0.line) (target p99 ≤ 2 ms)")

        let selective = try await Measure.latencies(set.query, { index in
            Request(type: MessageType.search, id: "s-\(index)", body: SearchRequest(text: "study \(index % 9973)", limit: 10))
        }, count: requests)
        print("  search, selective words (\"study N\", ~10 matches): \(selective.0.line) (target p99 ≤ 5 ms)")
        let broad = try await Measure.latencies(set.query, { index in
            Request(type: MessageType.search, id: "b-\(index)", body: SearchRequest(text: ["sleep", "fatigue", "mood"][index % 3], limit: 10))
        }, count: requests / 4)
        print("  search, common word (a third of all records match): \(broad.0.line)")

        let summary = try await Measure.latencies(set.query, { index in
            Request(type: MessageType.summary, id: "m-\(index)", body: SummaryRequest(condition: "crohns"))
        }, count: requests)
        print("  summary of the largest condition, unchanged data (cached): \(summary.0.line) (target p99 ≤ 20 ms)")
        let fresh = try await freshSummaries(set, count: 40)
        print("  summary of the largest condition, just after a change: \(fresh.line) (target p99 ≤ 20 ms)")
        print(String(format: "query process peak memory: %.0f MB (target ≤ 150 MB)", Measure.peakMemoryMB(query.pid)))

        let one = try await ReadLoad.run(endpoints: [set.query], clients: 8, seconds: seconds)
        let secondEndpoint = try freeEndpoint()
        let second = try await set.startExtra("query", bind: secondEndpoint, dataDirectory: "query-2")
        _ = try await waitUntilCaughtUp(secondEndpoint, store: set.store, timeout: .seconds(300))
        let two = try await ReadLoad.run(endpoints: [set.query, secondEndpoint], clients: 8, seconds: seconds)
        print(String(format: "8 concurrent clients, filtered queries: 1 replica %.0f requests/s, 2 replicas %.0f requests/s (×%.2f)",
                     one, two, two / one))
        _ = try await second.stop()
        _ = try await set.stop()
    }

    /// Summary latency when the replica has just applied a change (no cached answer).
    func freshSummaries(_ set: LocalSet, count: Int) async throws -> Measure.Latencies {
        var samples: [Double] = []
        for index in 0..<count {
            let body = SyntheticRecords.record(records + index).jsonData
            _ = try await Measure.load([body], ingest: set.ingest, batchSize: 1, inFlight: 1)
            _ = try await waitUntilCaughtUp(set.query, store: set.store)
            let (latency, _) = try await Measure.latencies(set.query, { _ in
                Request(type: MessageType.summary, id: "fresh-\(index)", body: SummaryRequest(condition: "crohns"))
            }, count: 1)
            samples += latency.sorted
        }
        return Measure.Latencies(samples)
    }
}
