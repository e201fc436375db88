import BenchmarkSupport
import EvidenceModel
import Foundation
import MetaAnalysis
import SyntheticData
import TestHarness
import WireProtocol

/// Commit-to-subscriber latency of a synthesis watch next to a plain watch on the same
/// records (issue 15). The store holds `trials` SYNTHETIC two-arm trials on fibromyalgia
/// pain among `background` other synthetic records; a plain watch (condition fibromyalgia,
/// outcome pain) and a synthesis watch (fibromyalgia:pain, REML) follow them. Then
/// `changes` new versions of those trials, each moving the pooled estimate, are submitted
/// one at a time through ingest, `rate` a second: each is one plain match and one
/// synthesis match, and a SUB socket on the stream notes when each arrives (another, on the
/// store's feed, is the raw baseline, as in the main benchmark). Also timed: how
/// long the synthesis watch takes to read the store's log up to where it was added.
struct SynthesisLatency {
    let trials: Int
    let background: Int
    let changes: Int
    /// New versions per second.
    let rate: Int

    static let plain = "plain", synthesis = "synthesis"

    func run() async throws {
        print("— a synthesis watch next to a plain watch —")
        let set = try await LocalSet.start(["evidence-store", "ingest", "notifier"], environment: ["LDN_STATS_INTERVAL": "0"])
        let others = (0..<background * 8 / 7 + 8).filter { $0 % SyntheticRecords.conditions.count != 2 }.prefix(background)  // not fibromyalgia
        let load = try await Measure.load(others.map { SyntheticRecords.record($0).jsonData }
                                          + (1...trials).map { SyntheticTrials.trial($0).jsonData },
                                          ingest: set.ingest, batchSize: 500, inFlight: 2)
        if let error = load.firstError { throw error }
        let head = try await storeHead(set)
        print("store: \(others.count) synthetic records and \(trials) SYNTHETIC trials on fibromyalgia pain, \(head) changes")

        try await add(set, WatchAddRequest(name: Self.plain, filter: EvidenceFilter(condition: "fibromyalgia", outcome: "pain")))
        let added = ContinuousClock.now
        try await add(set, WatchAddRequest(name: Self.synthesis, synthesis: SynthesizeRequest(condition: "fibromyalgia", outcome: "pain")))
        let start = try await startingFigures(set)
        print(String(format: "synthesis watch ready (its set built from the log's %lld changes) in %.2f s: %@",
                     head, (ContinuousClock.now - added).seconds, Self.text(start)))

        let subscriber = try Subscriber(feed: set.feed, feedSecurity: [], stream: set.stream, streamSecurity: [],
                                        watches: [Self.plain, Self.synthesis])
        try await Task.sleep(for: .milliseconds(500))  // the subscriptions reach the publishers
        let cpuBefore = Measure.cpuSeconds(set.process("notifier")!.pid)
        let sent = try await submitChanges(set)
        let arrived = await subscriber.waitForMatches(sent * 2, idle: .seconds(5))
        let cpu = (Measure.cpuSeconds(set.process("notifier")!.pid) - cpuBefore) / Double(sent)
        let result = subscriber.stop()
        let plain = result.matches.filter { $0.watch == Self.plain }, moved = result.matches.filter { $0.watch == Self.synthesis }
        let plainAt = Dictionary(plain.map { ($0.seq, $0.at) }, uniquingKeysWith: { first, _ in first })
        let added2 = moved.compactMap { match in plainAt[match.seq].map { (match.at - $0).milliseconds } }

        print("\(sent) new versions, \(rate) a second, one per submit; \(arrived) of \(sent * 2) matches arrived")
        print("commit → subscriber (store commit time in ms, so up to +1 ms of rounding):")
        print("  raw baseline, store feed → SUB: \(result.feed.line(counting: "changes"))")
        print("  plain watch:     \(Measure.Latencies(plain.map(\.latency)).line(counting: "matches"))")
        print("  synthesis watch: \(Measure.Latencies(moved.map(\.latency)).line(counting: "moves"))")
        print("  synthesis after plain, same change (same clock): \(Measure.Latencies(added2).line(counting: "changes"))")
        print(String(format: "notifier CPU per change (both watches, every thread): %.0f µs; peak memory %.0f MB",
                     cpu * 1e6, Measure.peakMemoryMB(set.process("notifier")!.pid)))
        let list = try await request(set.notifier, Request(type: MessageType.watchList, id: "bench-list")).decode(WatchListReply.self)
        if let last = list.watches.first(where: { $0.name == Self.synthesis })?.headline { print("synthesis at the end: \(Self.text(last))") }
        _ = try await set.stop()
        if moved.isEmpty { throw TestFailure("no synthesis match arrived (is EvidenceSynthesis.synthesize implemented?): nothing was measured") }
    }

    /// "k=200 MD -0.457 [-0.516, -0.398] I²=46.2%".
    static func text(_ figures: SynthesisHeadline) -> String {
        guard let estimate = figures.estimate, let low = figures.ciLow, let high = figures.ciHigh else { return "k=\(figures.k), not pooled" }
        return String(format: "k=%d %@ %.3f [%.3f, %.3f] I²=%.1f%%", figures.k, figures.measure?.rawValue ?? "?", estimate, low, high,
                      figures.i2 ?? 0)
    }

    private func add(_ set: LocalSet, _ body: WatchAddRequest) async throws {
        let reply = try await request(set.notifier, Request(type: MessageType.watchAdd, id: "bench-\(body.name)", body: body))
        guard reply.isOK else { throw reply.errorBody }
    }

    private func storeHead(_ set: LocalSet) async throws -> Int64 {
        try await request(set.store, Request(type: MessageType.changes, id: "bench-head-\(UUID().uuidString)",
                                             body: ChangesRequest(after: Int64.max - 1, limit: 1))).decode(ChangesReply.self).head
    }

    /// Polls `watch.list` until the synthesis watch has its starting figures.
    private func startingFigures(_ set: LocalSet) async throws -> SynthesisHeadline {
        let deadline = ContinuousClock.now + .seconds(300)
        while ContinuousClock.now < deadline {
            let list = try await request(set.notifier, Request(type: MessageType.watchList, id: "bench-\(UUID().uuidString)"))
                .decode(WatchListReply.self)
            if let figures = list.watches.first(where: { $0.name == Self.synthesis })?.headline { return figures }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("the synthesis watch did not read the log within 300 s")
    }

    /// New versions of the trials, one per submit, on schedule: trial 1, 2, … shifted by
    /// 0.4 in the first round, back to 0 in the next, so that each moves the estimate.
    private func submitChanges(_ set: LocalSet) async throws -> Int {
        let bodies = (0..<changes).map { index in
            SyntheticTrials.trial(index % trials + 1, shift: (index / trials) % 2 == 0 ? 0.4 : 0).jsonData
        }
        _ = try await PacedLoad.run(bodies, name: "bench-change", rate: rate, batchSize: 1, ingest: set.ingest)
        return bodies.count
    }
}
