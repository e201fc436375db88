import ArgumentParser
import BenchmarkSupport
import EvidenceModel
import Foundation
import SyntheticData
import TestHarness
import WireProtocol

/// Commit-to-subscriber latency of the notifier: with 100 watches defined and a steady load
/// through ingest, how long from the store's commit of a change until a stream subscriber
/// (as `ldn watch follow`) holds the match. The raw baseline, measured in the same run, is
/// the store's own change feed: commit to a plain SUB socket, no notifier in between.
///
///     swift build -c release && .build/release/ldn-bench-notify
@main
struct NotifyBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ldn-bench-notify", abstract: "Measure the notifier's commit-to-subscriber latency under steady load.")

    @Option(help: "Records per second submitted through ingest.")
    var rate = 1000

    @Option(help: "Seconds of steady load (after one second of warm-up).")
    var seconds = 20

    @Option(help: "Watches defined (the subscriber follows all of them).")
    var watches = 100

    @Option(help: "Records per submit request.")
    var batchSize = 10

    func run() async throws {
        print("LDN notifier benchmark — synthetic records (generated, not real studies)")
        let set = try await LocalSet.start(["evidence-store", "ingest", "notifier"], environment: ["LDN_STATS_INTERVAL": "0"])
        let names = try await addWatches(set)
        let subscriber = try Subscriber(feed: set.feed, stream: set.stream, watches: names)
        try await Task.sleep(for: .milliseconds(500))  // subscriptions reach the publishers

        let warmUp = rate
        _ = try await PacedLoad.run(range: 0..<warmUp, rate: rate, batchSize: batchSize, ingest: set.ingest)
        try await Task.sleep(for: .milliseconds(500))
        subscriber.reset()

        let range = warmUp..<(warmUp + rate * seconds)
        let sent = try await PacedLoad.run(range: range, rate: rate, batchSize: batchSize, ingest: set.ingest)
        let expected = range.reduce(0) { total, n in total + Self.matchingWatches(n, of: watches) }
        let received = await subscriber.waitForMatches(expected, idle: .seconds(5))
        let result = subscriber.stop()

        print(String(format: "steady load: %d records in %.1f s (%.0f records/s, target %d), batches of %d",
                     range.count, sent.seconds, Double(range.count) / sent.seconds, rate, batchSize))
        print("\(watches) watches; \(received) of \(expected) matches reached the subscriber")
        print("commit → subscriber (store commit time in ms, so up to +1 ms of rounding):")
        print("  raw baseline, store feed → SUB:      \(result.feed.line(counting: "changes"))")
        print("  notifier stream → SUB (watch follow): \(result.stream.line(counting: "matches")) (target p99 ≤ 20 ms)")
        print("  added by the notifier (feed receipt → stream receipt, same clock): \(result.added.line(counting: "matches"))")
        print(String(format: "  ratio of p99s, notifier / raw feed: ×%.2f", result.stream.p99 / max(result.feed.p99, 0.001)))
        let status = try await TestHarness.status(set.notifier)
        print("notifier: \(status.counters["stream.dropped"] ?? 0) stream messages dropped; "
              + String(format: "peak memory %.0f MB", Measure.peakMemoryMB(set.process("notifier")!.pid)))
        _ = try await set.stop()
    }

    /// The watches: one per condition, then condition × design pairs, all on the stream.
    func addWatches(_ set: LocalSet) async throws -> [String] {
        var names: [String] = []
        for index in 0..<watches {
            let (condition, design) = Self.watchFilter(index)
            let name = String(format: "w%03d", index)
            let reply = try await request(set.notifier, Request(
                type: MessageType.watchAdd, id: "bench-watch-\(index)",
                body: WatchAddRequest(name: name, filter: EvidenceFilter(condition: condition, design: design.map { [$0] }))))
            guard reply.isOK else { throw reply.errorBody }
            names.append(name)
        }
        return names
    }

    /// Watch `index`'s filter: the first eight are condition-only; the rest pair a condition
    /// with a design, cycling through all of them.
    static func watchFilter(_ index: Int) -> (condition: String, design: StudyDesign?) {
        let condition = SyntheticRecords.conditions[index % SyntheticRecords.conditions.count]
        guard index >= SyntheticRecords.conditions.count else { return (condition, nil) }
        return (condition, SyntheticRecords.designs[(index / SyntheticRecords.conditions.count) % SyntheticRecords.designs.count])
    }

    /// How many of the first `count` watches synthetic record `n` matches.
    static func matchingWatches(_ n: Int, of count: Int) -> Int {
        let record = SyntheticRecords.record(n)
        return (0..<count).count { index in
            let (condition, design) = watchFilter(index)
            return record.conditions.contains(condition) && (design == nil || design == record.design)
        }
    }
}
