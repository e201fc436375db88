import BenchmarkSupport
import EvidenceModel
import Foundation
import SyntheticData
import TestHarness
import WireProtocol

/// One size of the scale benchmark: `records` SYNTHETIC records and 200 SYNTHETIC trials
/// loaded through ingest into a fresh store, then a fresh replica from the store's snapshot and
/// another from the first one's image, the first one's reads, and a notifier
/// with watches. Plaintext sockets, default settings, every service a real release process.
struct ScaleRun {
    let records: Int
    /// Requests per latency figure; fresh (after-a-change) figures take `freshRounds`.
    let requests: Int
    let freshRounds: Int
    /// Also start a replica from the first one's image.
    let withImage: Bool
    /// Leave the data folders in place after the run.
    let keepData: Bool

    static let trials = 200
    /// A question the generated records never touch: its candidates are the 200 trials.
    static let question = SynthesizeRequest(condition: "me-cfs", outcome: "pain", method: .reml)

    func measure() async throws -> ScaleFigures {
        print("— \(records) records — load average \(Measure.loadAverage())")
        let bodies = await Self.bodies(records)
        print("generated \(bodies.count) records (\(records) + \(Self.trials) trials), "
              + "\(bodies.reduce(0) { $0 + $1.count } / bodies.count) bytes each on average")
        let baseline = try RawSQLiteBaseline.measure(bodies)
        print(String(format: "raw SQLite baseline: %.0f records/s", baseline))

        let set = try await LocalSet.start(["evidence-store", "ingest"], environment: ["LDN_STATS_INTERVAL": "0"])
        defer { set.killAll() }
        let load = try await Measure.load(bodies, ingest: set.ingest, batchSize: 250, inFlight: 6)
        guard load.accepted == bodies.count else {
            throw BenchmarkFailure("ingest accepted \(load.accepted) of \(bodies.count): \(String(describing: load.firstError))")
        }
        print(String(format: "intake: %.0f records/s (%.1f %% of the baseline), ack %@", load.throughput,
                     load.throughput / baseline * 100, load.latencies.line(counting: "records")))

        let started = ContinuousClock.now
        let query = try await set.start("query")
        _ = try await waitUntilCaughtUp(set.query, store: set.store, timeout: .seconds(3600))
        let freshReplica = (ContinuousClock.now - started).seconds
        print(String(format: "fresh replica, loading the store's snapshot: everything applied %.2f s after start", freshReplica))
        let image = withImage ? try await ImageStartBenchmark.measure(set, .plain, snapshotSeconds: freshReplica, admin: ([], [])) : nil

        let reads = try await Reads(set: set, requests: requests, freshRounds: freshRounds, firstNewRecord: bodies.count).measure()
        let notifier = try await NotifierStart(set: set).measure()
        print(String(format: "notifier: synthesis watch ready in %.2f s", notifier))

        let storeBytes = Measure.diskBytes(set.layout.dataDirectory("store"))
        let replicaBytes = Measure.diskBytes(set.layout.dataDirectory("query"))
        let memory = (store: Measure.peakMemoryMB(set.process("evidence-store")!.pid), query: Measure.peakMemoryMB(query.pid),
                      notifier: Measure.peakMemoryMB(set.process("notifier")!.pid))
        _ = try await set.stop(keepingData: keepData)
        if keepData { print("data kept in \(set.layout.dataRoot.path)") }
        return ScaleFigures(
            records: records, baseline: baseline, intake: load.throughput, ack: load.latencies, freshReplica: freshReplica, image: image,
            filtered: reads.filtered, selectiveSearch: reads.selective, commonWordSearch: reads.common,
            summaryCached: reads.summaryCached, summaryFresh: reads.summaryFresh,
            synthesizeCached: reads.synthesizeCached, synthesizeFresh: reads.synthesizeFresh,
            selectiveMatches: reads.selectiveMatches, commonWordMatches: reads.commonMatches,
            synthesisWatchReady: notifier, storeMB: memory.store, queryMB: memory.query, notifierMB: memory.notifier,
            storeBytes: storeBytes, replicaBytes: replicaBytes)
    }

    /// The records' canonical JSON, generated on every core, then the trials.
    static func bodies(_ count: Int) async -> [Data] {
        let chunk = 20_000
        let chunks = await withTaskGroup(of: (Int, [Data]).self) { group in
            for start in stride(from: 0, to: count, by: chunk) {
                group.addTask { (start, (start..<min(start + chunk, count)).map { SyntheticRecords.record($0).jsonData }) }
            }
            var parts: [Int: [Data]] = [:]
            for await (start, part) in group { parts[start] = part }
            return parts.sorted { $0.key < $1.key }.flatMap(\.value)
        }
        return chunks + (0..<trials).map { SyntheticTrials.trial($0, condition: question.condition, outcome: question.outcome).jsonData }
    }
}
