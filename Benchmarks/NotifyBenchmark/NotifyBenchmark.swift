import ArgumentParser
import BenchmarkSupport
import EvidenceModel
import Foundation
import SyntheticData
import TestHarness
import WireProtocol
import ZMQ

/// Commit-to-subscriber latency of the notifier: with 100 watches defined and a steady load
/// through ingest, how long from the store's commit of a change until a stream subscriber
/// (as `ldn watch follow`) holds the match. The raw baseline, measured in the same run, is
/// the store's own change feed: commit to a plain SUB socket, no notifier in between.
/// Everything runs twice with identical settings, without and with CURVE on every socket
/// (both subscribers keyed), and the two are compared (`--security`).
///
///     swift build -c release && .build/release/ldn-bench-notify
///     .build/release/ldn-bench-notify --synthesis     # a synthesis watch next to a plain one
@main
struct NotifyBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ldn-bench-notify",
        abstract: "Measure the notifier's commit-to-subscriber latency under steady load, without and with CURVE.")

    @Option(help: "Records per second submitted through ingest.")
    var rate = 1000

    @Option(help: "Seconds of steady load (after one second of warm-up).")
    var seconds = 20

    @Option(help: "Watches defined (the subscriber follows all of them).")
    var watches = 100

    @Option(help: "Records per submit request.")
    var batchSize = 10

    @Option(help: "Without CURVE (plain), with CURVE on every socket (curve), or both in turn (both; curve-first: the other order).")
    var security = SecurityChoice.both

    @Flag(help: "Instead: a synthesis watch next to a plain watch on the same trials (issue 15).")
    var synthesis = false

    @Option(help: "With --synthesis: SYNTHETIC trials in the watched condition and outcome.")
    var trials = 200

    @Option(help: "With --synthesis: other synthetic records in the store.")
    var background = 20_000

    @Option(help: "With --synthesis: new versions submitted, one at a time, each moving the pooled estimate.")
    var changes = 500

    @Option(help: "With --synthesis: new versions per second.")
    var synthesisRate = 50

    func run() async throws {
        print("LDN notifier benchmark — synthetic records (generated, not real studies)")
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB")
        if synthesis {
            return try await SynthesisLatency(trials: trials, background: background, changes: changes, rate: synthesisRate).run()
        }
        var results: [SecurityPass: Subscriber.Result] = [:]
        for pass in security.passes { results[pass] = try await measure(pass) }
        guard let plain = results[.plain], let curve = results[.curve] else { return }
        print(Compare.header)
        print(Compare.line("commit → watch follow subscriber p99", plain: plain.stream.p99, curve: curve.stream.p99, unit: "ms"))
        print(Compare.line("commit → watch follow subscriber p50", plain: plain.stream.p50, curve: curve.stream.p50, unit: "ms"))
        print(Compare.line("raw baseline, store feed → SUB p99", plain: plain.feed.p99, curve: curve.feed.p99, unit: "ms"))
        print(Compare.line("raw baseline, store feed → SUB p50", plain: plain.feed.p50, curve: curve.feed.p50, unit: "ms"))
        print(Compare.line("added by the notifier p99", plain: plain.added.p99, curve: curve.added.p99, unit: "ms"))
    }

    /// One pass with this pass's security; prints its figures.
    func measure(_ pass: SecurityPass) async throws -> Subscriber.Result {
        print("— \(pass.title) —")
        let set = try await pass.start(["evidence-store", "ingest", "notifier"], environment: ["LDN_STATS_INTERVAL": "0"])
        let names = try await addWatches(set, security: try pass.client(set, to: "notifier"))
        let subscriber = try Subscriber(feed: set.feed, feedSecurity: try pass.admin(set, to: "evidence-store"),
                                        stream: set.stream, streamSecurity: try pass.client(set, to: "notifier"), watches: names)
        try await Task.sleep(for: .milliseconds(500))  // subscriptions reach the publishers

        let ingest = try pass.client(set, to: "ingest")
        let warmUp = rate
        _ = try await PacedLoad.run(range: 0..<warmUp, rate: rate, batchSize: batchSize, ingest: set.ingest, security: ingest)
        try await Task.sleep(for: .milliseconds(500))
        subscriber.reset()

        let range = warmUp..<(warmUp + rate * seconds)
        let services = ["evidence-store", "ingest", "notifier"]
        let cpuBefore = services.map { Measure.cpuSeconds(set.process($0)!.pid) }
        let sent = try await PacedLoad.run(range: range, rate: rate, batchSize: batchSize, ingest: set.ingest, security: ingest)
        let expected = range.reduce(0) { total, n in total + Self.matchingWatches(n, of: watches) }
        let received = await subscriber.waitForMatches(expected, idle: .seconds(5))
        let result = subscriber.stop()
        let cpu = zip(services, cpuBefore).map { service, before in
            service + String(format: " %.0f µs", (Measure.cpuSeconds(set.process(service)!.pid) - before) * 1e6 / Double(range.count))
        }

        print(pass.keysLine(set))
        print(String(format: "steady load: %d records in %.1f s (%.0f records/s, target %d), batches of %d",
                     range.count, sent.seconds, Double(range.count) / sent.seconds, rate, batchSize))
        print("\(watches) watches; \(received) of \(expected) matches reached the subscriber")
        print("commit → subscriber (store commit time in ms, so up to +1 ms of rounding):")
        print("  raw baseline, store feed → SUB:      \(result.feed.line(counting: "changes"))")
        print("  notifier stream → SUB (watch follow): \(result.stream.line(counting: "matches")) (target p99 ≤ 20 ms)")
        print("  added by the notifier (feed receipt → stream receipt, same clock): \(result.added.line(counting: "matches"))")
        print(String(format: "  ratio of p99s, notifier / raw feed: ×%.2f", result.stream.p99 / max(result.feed.p99, 0.001)))
        let status = try await TestHarness.status(set.notifier, security: try pass.admin(set, to: "notifier"))
        print("notifier: \(status.counters["stream.dropped"] ?? 0) stream messages dropped, "
              + "\(status.counters["stream.refused"] ?? 0) subscriptions refused; "
              + String(format: "peak memory %.0f MB", Measure.peakMemoryMB(set.process("notifier")!.pid)))
        print("CPU per record under the steady load (every thread): " + cpu.joined(separator: ", "))
        _ = try await set.stop()
        if received == 0 { throw TestFailure("no match reached the subscriber: nothing was measured") }
        return result
    }

    /// The watches: one per condition, then condition × design pairs, all on the stream.
    func addWatches(_ set: LocalSet, security: [SocketOption]) async throws -> [String] {
        var names: [String] = []
        for index in 0..<watches {
            let (condition, design) = Self.watchFilter(index)
            let name = String(format: "w%03d", index)
            let reply = try await request(set.notifier, Request(
                type: MessageType.watchAdd, id: "bench-watch-\(index)",
                body: WatchAddRequest(name: name, filter: EvidenceFilter(condition: condition, design: design.map { [$0] }))), security: security)
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
