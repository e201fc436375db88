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
/// the same size; a fresh replica's catch-up time, and a second one's from the first's image
/// next to a raw copy of the same bytes (ImageStartBenchmark); its memory; reads with 1 and 2 replicas.
/// Everything runs twice with identical settings, without and with CURVE on every socket
/// (the raw round trip too), and the two are compared (`--security`).
///
///     swift build -c release && .build/release/ldn-bench-query
///     .build/release/ldn-bench-query --synthesize     (issue 15: SynthesisBenchmark)
@main
struct QueryBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ldn-bench-query",
        abstract: "Measure query replicas: latency, catch-up, memory, read scaling; without and with CURVE.")

    @Option(help: "Synthetic records to load.")
    var records = 100_000

    @Option(help: "Requests per latency measurement.")
    var requests = 2000

    @Option(help: "Seconds per throughput measurement.")
    var seconds = 5.0

    @Option(help: "Without CURVE (plain), with CURVE on every socket (curve), or both in turn (both; curve-first: the other order).")
    var security = SecurityChoice.both

    @Option(help: "Only write the synthetic records as JSON Lines to this file, for trying things by hand.")
    var writeSynthetic: String?

    @Flag(help: "Measure synthesize instead (issue 15): 200 synthetic trials pooled among the records, fresh and cached.")
    var synthesize = false

    @Option(help: "With --synthesize: changes after each of which the synthesis is asked afresh (5 questions each).")
    var freshRounds = 100

    /// One pass's figures, for the comparison.
    struct Figures {
        let load: Double, catchUp: Double, memoryMB: Double
        let raw: Measure.Latencies, filtered: Measure.Latencies, selective: Measure.Latencies, broad: Measure.Latencies
        let summary: Measure.Latencies, fresh: Measure.Latencies
        let oneReplica: Double, twoReplicas: Double
        let image: ImageStartBenchmark.Figures
    }

    func run() async throws {
        if let path = writeSynthetic {
            return try Data(SyntheticRecords.jsonLines(0..<records).utf8).write(to: URL(fileURLWithPath: path))
        }
        if synthesize {
            return try await SynthesisBenchmark(records: records, requests: requests, rounds: freshRounds).run()
        }
        print("LDN query benchmark — synthetic records (generated, not real studies)")
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB")
        var results: [SecurityPass: (figures: Figures, set: LocalSet)] = [:]
        for pass in security.passes { results[pass] = try await measure(pass) }
        guard let (plain, plainSet) = results[.plain], let (curve, curveSet) = results[.curve] else {
            for (_, set) in results.values { _ = try await set.stop() }
            return
        }
        // Both replicas again, now in alternating blocks of 100: the same moments of the machine for both.
        let (pairedPlain, pairedCurve) = try await PairedLatency.measure(
            .init(endpoint: plainSet.query, security: []),
            .init(endpoint: curveSet.query, security: try SecurityPass.curve.client(curveSet, to: "query")),
            count: requests, request: QueryRequests.filtered)
        for (_, set) in results.values { _ = try await set.stop() }

        print(Compare.header)
        print(Compare.line("filtered query p99, interleaved", plain: pairedPlain.p99, curve: pairedCurve.p99, unit: "ms",
                           decimals: 3, verdict: Self.verdict(added: pairedCurve.p99 - pairedPlain.p99)))
        print(Compare.line("filtered query p50, interleaved", plain: pairedPlain.p50, curve: pairedCurve.p50, unit: "ms", decimals: 3))
        print(Compare.line("filtered query p99, pass after pass", plain: plain.filtered.p99, curve: curve.filtered.p99, unit: "ms",
                           decimals: 3, verdict: Self.verdict(added: curve.filtered.p99 - plain.filtered.p99)))
        print(Compare.line("filtered query p50, pass after pass", plain: plain.filtered.p50, curve: curve.filtered.p50, unit: "ms",
                           decimals: 3))
        print(Compare.line("raw ZeroMQ round trip p99", plain: plain.raw.p99, curve: curve.raw.p99, unit: "ms", decimals: 3))
        print(Compare.line("raw ZeroMQ round trip p50", plain: plain.raw.p50, curve: curve.raw.p50, unit: "ms", decimals: 3))
        print(Compare.line("search, selective words, p99", plain: plain.selective.p99, curve: curve.selective.p99, unit: "ms"))
        print(Compare.line("search, common word, p99", plain: plain.broad.p99, curve: curve.broad.p99, unit: "ms"))
        print(Compare.line("summary, cached, p99", plain: plain.summary.p99, curve: curve.summary.p99, unit: "ms", decimals: 3))
        print(Compare.line("summary, just after a change, p99", plain: plain.fresh.p99, curve: curve.fresh.p99, unit: "ms"))
        print(Compare.line("load through ingest", plain: plain.load, curve: curve.load, unit: "records/s", decimals: 0))
        print(Compare.line("fresh replica catch-up", plain: plain.catchUp, curve: curve.catchUp, unit: "s"))
        print(Compare.line("fresh replica from an image", plain: plain.image.seconds, curve: curve.image.seconds, unit: "s"))
        print(Compare.line("raw copy of the image's bytes", plain: plain.image.rawSeconds, curve: curve.image.rawSeconds, unit: "s"))
        print(Compare.line("8 clients, 1 replica", plain: plain.oneReplica, curve: curve.oneReplica, unit: "requests/s", decimals: 0))
        print(Compare.line("8 clients, 2 replicas", plain: plain.twoReplicas, curve: curve.twoReplicas, unit: "requests/s", decimals: 0))
        print(Compare.line("query peak memory", plain: plain.memoryMB, curve: curve.memoryMB, unit: "MB", decimals: 0))
    }

    static func verdict(added: Double) -> String { "(target: CURVE adds ≤ 0.2 ms) " + (added <= 0.2 ? "✓" : "✗") }

    /// One pass: every figure with this pass's security; prints them as it goes. Returns the
    /// figures and the set, still running (its first replica), for the interleaved comparison.
    func measure(_ pass: SecurityPass) async throws -> (figures: Figures, set: LocalSet) {
        print("— \(pass.title) —")
        let set = try await pass.start(["evidence-store", "ingest"], environment: ["LDN_STATS_INTERVAL": "0"])
        let keys = (query: try pass.client(set, to: "query"), ingest: try pass.client(set, to: "ingest"))
        let bodies = (0..<records).map { SyntheticRecords.record($0).jsonData }
        let load = try await Measure.load(bodies, ingest: set.ingest, batchSize: 250, inFlight: 6, security: keys.ingest)
        print(String(format: "loaded %d records (%.0f records/s)", load.accepted, load.throughput))

        let started = ContinuousClock.now
        let query = try await set.start("query")
        try pass.check([query])
        _ = try await caughtUp(set.query, set, pass, timeout: .seconds(300))
        let catchUp = (ContinuousClock.now - started).seconds
        print(pass.keysLine(set))
        print(String(format: "fresh replica caught up on %d records in %.2f s (target ≤ 5 s)", records, catchUp))
        let image = try await ImageStartBenchmark.measure(set, pass, snapshotSeconds: catchUp,
                                                          admin: (try pass.admin(set, to: "query"), try pass.admin(set, to: "evidence-store")))

        let filtered = try await Measure.latencies(set.query, QueryRequests.filtered, count: requests, security: keys.query)
        let raw = try await RawRoundTrip.measure(replyBytes: filtered.1, count: requests, curve: pass == .curve)
        print("latency through the real request path (one client, one request at a time):")
        print("  raw ZeroMQ round trip, \(filtered.1)-byte reply: \(raw.line)")
        print("  filtered query (condition + design + certainty, 20 hits): \(filtered.0.line) (target p99 ≤ 2 ms)")
        print(String(format: "  ratio of p99s, filtered query / raw round trip: ×%.2f", filtered.0.p99 / max(raw.p99, 0.001)))
        // Again in alternating blocks of 100, so that both see the same moments of the machine.
        let (pairedRaw, pairedFiltered) = try await RawRoundTrip.serving(replyBytes: filtered.1, curve: pass == .curve) { raw in
            try await PairedLatency.measure(raw, .init(endpoint: set.query, security: keys.query), count: requests,
                                            request: QueryRequests.filtered)
        }
        print("  interleaved in blocks of 100: raw \(pairedRaw.line), filtered query \(pairedFiltered.line)")
        let pairedRatio = pairedFiltered.p99 / max(pairedRaw.p99, 0.001)
        print(String(format: "  ratio of p99s, interleaved: ×%.2f (target ≤ ×5) %@", pairedRatio, pairedRatio <= 5 ? "✓" : "✗"))

        let selective = try await Measure.latencies(set.query, QueryRequests.selectiveSearch, count: requests, security: keys.query)
        print("  search, selective words (\"study N\", ~10 matches): \(selective.0.line) (target p99 ≤ 5 ms)")
        let broad = try await Measure.latencies(set.query, QueryRequests.commonWordSearch, count: requests / 4, security: keys.query)
        print("  search, common word (a third of all records match): \(broad.0.line) (target p99 ≤ 15 ms)")

        let summary = try await Measure.latencies(set.query, QueryRequests.summary, count: requests, security: keys.query)
        print("  summary of the largest condition, unchanged data (cached): \(summary.0.line) (target p99 ≤ 20 ms)")
        let fresh = try await freshSummaries(set, pass, count: 40)
        print("  summary of the largest condition, just after a change: \(fresh.line) (target p99 ≤ 20 ms)")
        let memory = Measure.peakMemoryMB(query.pid)
        print(String(format: "query process peak memory: %.0f MB (target ≤ 150 MB)", memory))

        let one = try await ReadLoad.run(endpoints: [set.query], clients: 8, seconds: seconds, security: keys.query)
        let secondEndpoint = try freeEndpoint()
        let second = try await set.startExtra("query", bind: secondEndpoint, dataDirectory: "query-2")
        try pass.check([second])
        _ = try await caughtUp(secondEndpoint, set, pass, timeout: .seconds(300))
        let two = try await ReadLoad.run(endpoints: [set.query, secondEndpoint], clients: 8, seconds: seconds, security: keys.query)
        print(String(format: "8 concurrent clients, filtered queries: 1 replica %.0f requests/s, 2 replicas %.0f requests/s (×%.2f)",
                     one, two, two / one))
        _ = try await second.stop()
        return (Figures(load: load.throughput, catchUp: catchUp, memoryMB: memory, raw: raw, filtered: filtered.0,
                        selective: selective.0, broad: broad.0, summary: summary.0, fresh: fresh, oneReplica: one, twoReplicas: two,
                        image: image),
                set)
    }

    /// Waits until the replica at `endpoint` has applied all the store holds (asking both as admin with keys).
    func caughtUp(_ endpoint: String, _ set: LocalSet, _ pass: SecurityPass,
                  timeout: Duration = .seconds(60)) async throws -> StatusReply {
        try await waitUntilCaughtUp(endpoint, store: set.store, timeout: timeout,
                                    security: (try pass.admin(set, to: "query"), try pass.admin(set, to: "evidence-store")))
    }

    /// Summary latency when the replica has just applied a change (no cached answer).
    func freshSummaries(_ set: LocalSet, _ pass: SecurityPass, count: Int) async throws -> Measure.Latencies {
        var samples: [Double] = []
        for index in 0..<count {
            let body = SyntheticRecords.record(records + index).jsonData
            _ = try await Measure.load([body], ingest: set.ingest, batchSize: 1, inFlight: 1, security: try pass.client(set, to: "ingest"))
            _ = try await caughtUp(set.query, set, pass)
            let (latency, _) = try await Measure.latencies(set.query, { QueryRequests.summary(index * 1000 + $0) }, count: 1,
                                                           security: try pass.client(set, to: "query"))
            samples += latency.sorted
        }
        return Measure.Latencies(samples)
    }
}
