import BenchmarkSupport
import EvidenceModel
import Foundation
import MetaAnalysis
import SyntheticData
import TestHarness
import WireProtocol

/// `ldn-bench-query --synthesize` (issue 15): `synthesize` on a replica holding 100 000
/// SYNTHETIC records plus 200 SYNTHETIC two-arm trials in the pooled condition and outcome
/// (ME/CFS pain, which the generated records never report, so the 200 trials are all its
/// candidates). Through the real request path, one request at a time:
/// - fresh: after each of `rounds` changes (one record in another condition, so the cache is
///   emptied and the candidates are the same), each of 5 questions once (REML, DL, FE, REML
///   and DL with Hartung-Knapp), so that none is answered from the cache;
/// - cached: the same question again and again;
/// - the floor beside them, in the same run: a `status` round trip;
/// - in this process, on the same 200 trials: decoding their JSON as the replica does, the
///   synthesis of the decoded records, and one REML pooling alone (its iterations).
/// Also a heavier question for scale: fibromyalgia pain, where thousands of the generated
/// records report an SMD with its CI.
struct SynthesisBenchmark {
    let records: Int
    let requests: Int
    let rounds: Int
    static let trials = 200
    static let (condition, outcome) = ("me-cfs", "pain")

    static let questions: [SynthesizeRequest] = [
        SynthesizeRequest(condition: condition, outcome: outcome, method: .reml),
        SynthesizeRequest(condition: condition, outcome: outcome, method: .derSimonianLaird),
        SynthesizeRequest(condition: condition, outcome: outcome, method: .commonEffect),
        SynthesizeRequest(condition: condition, outcome: outcome, method: .reml, hartungKnapp: true),
        SynthesizeRequest(condition: condition, outcome: outcome, method: .derSimonianLaird, hartungKnapp: true),
    ]

    static func asking(_ body: SynthesizeRequest, _ id: String) -> Request {
        Request(type: MessageType.synthesize, id: id, body: body)
    }

    func run() async throws {
        print("LDN synthesis benchmark — SYNTHETIC records and trials (generated, not real studies)")
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB; "
              + "load average at start: \(Measure.loadAverage())")
        let set = try await LocalSet.start(["evidence-store", "ingest"], environment: ["LDN_STATS_INTERVAL": "0"])
        defer { set.killAll() }
        let trials = (0..<Self.trials).map { SyntheticTrials.trial($0, condition: Self.condition, outcome: Self.outcome) }
        let bodies = (0..<records).map { SyntheticRecords.record($0).jsonData } + trials.map(\.jsonData)
        let load = try await Measure.load(bodies, ingest: set.ingest, batchSize: 250, inFlight: 6)
        guard load.accepted == bodies.count else { throw BenchmarkFailure("loaded \(load.accepted) of \(bodies.count): \(String(describing: load.firstError))") }
        print(String(format: "loaded %d records and %d trials (%.0f records/s)", records, Self.trials, load.throughput))
        try await set.start("query")
        _ = try await waitUntilCaughtUp(set.query, store: set.store, timeout: .seconds(600))

        let first = try await request(set.query, Self.asking(Self.questions[0], "first")).decode(SynthesizeReply.self)
        let synthesis = first.synthesis
        guard let pooled = synthesis.pooled else {
            throw BenchmarkFailure("nothing pooled: \(synthesis.notPooled ?? "no reason given") — is the synthesis implemented?")
        }
        print("pooled: k = \(pooled.k) of \(Self.trials) trials, \(pooled.measure.rawValue) \(String(format: "%.3f", pooled.estimate)), "
              + "REML iterations \(pooled.iterations.map(String.init) ?? "-"), reply \(WireJSON.encode(first).count) bytes")

        let statusRoundTrips = try await Measure.latencies(set.query, { Request(type: MessageType.status, id: "status-\($0)") }, count: requests)
        let cached = try await Measure.latencies(set.query, { Self.asking(Self.questions[0], "cached-\($0)") }, count: requests)
        let fresh = try await freshLatencies(set)
        print("latency through the real request path (one client, one request at a time):")
        print("  status round trip (the floor): \(statusRoundTrips.0.line)")
        print("  synthesize, cached: \(cached.0.line) (target p99 ≤ 1 ms) \(cached.0.p99 <= 1 ? "✓" : "✗")")
        print("  synthesize, fresh (after a change; 5 questions per change): \(fresh.line) (target p99 ≤ 20 ms) \(fresh.p99 <= 20 ? "✓" : "✗")")

        let inProcess = try Self.inProcess(trials)
        print("in this process, on the same \(Self.trials) trials:")
        print("  decode and check their JSON (as the replica reads them): \(inProcess.decode.line(counting: "runs"))")
        print("  EvidenceSynthesis.synthesize (REML, leave-one-out, subgroups): \(inProcess.synthesize.line(counting: "runs"))")
        print("  one REML pooling of \(Self.trials) studies: \(inProcess.pool.line(counting: "runs")), \(inProcess.iterations) iterations")
        print("  encoding the answer as JSON (\(inProcess.replyBytes) bytes): \(inProcess.encode.line(counting: "runs"))")

        do {
            let heavy = try await heavyQuestion(set)
            print("for scale: fibromyalgia pain, \(heavy.candidates) candidates (the generated records' SMDs), k = \(heavy.k): "
                  + String(format: "fresh %.1f ms, cached p50 %.3f ms", heavy.fresh, heavy.cached.p50))
        } catch {
            print("for scale: fibromyalgia pain (thousands of candidates) failed: \(error)")
        }
        print("load average at end: \(Measure.loadAverage())")
        _ = try await set.stop()
    }

    /// After each of `rounds` changes elsewhere, every question once: none can come from the cache.
    func freshLatencies(_ set: LocalSet) async throws -> Measure.Latencies {
        var samples: [Double] = []
        for round in 0..<rounds {
            let body = SyntheticRecords.record(records + round).jsonData  // another condition: same candidates
            _ = try await Measure.load([body], ingest: set.ingest, batchSize: 1, inFlight: 1)
            _ = try await waitUntilCaughtUp(set.query, store: set.store)
            let (latencies, _) = try await Measure.latencies(set.query, { Self.asking(Self.questions[$0], "fresh-\(round)-\($0)") },
                                                             count: Self.questions.count)
            samples += latencies.sorted
        }
        return Measure.Latencies(samples)
    }

    /// Decoding, synthesis and one pooling, each timed many times over.
    static func inProcess(_ trials: [EvidenceRecord]) throws -> (decode: Measure.Latencies, synthesize: Measure.Latencies,
                                                                  pool: Measure.Latencies, iterations: Int,
                                                                  encode: Measure.Latencies, replyBytes: Int) {
        let bodies = trials.map(\.jsonData)
        let decode = Measure.Latencies((0..<50).map { _ in
            time { _ = bodies.compactMap { RecordIntake.evaluate($0).record } }
        })
        let candidates = bodies.enumerated().compactMap { index, body in
            RecordIntake.evaluate(body).record.map { EvidenceSynthesis.Candidate(key: "doi:10.5555/\(index)", record: $0) }
        }
        let question = SynthesisQuestion(condition: condition, outcome: outcome)
        let synthesize = Measure.Latencies((0..<50).map { _ in time { _ = EvidenceSynthesis.synthesize(question, candidates: candidates) } })
        let studies = candidates.compactMap { candidate -> Study? in
            guard case .usable(let data, _) = EvidenceSynthesis.studyData(candidate.record.outcomes[0], design: .rct, measure: .md)
            else { return nil }
            return Study(label: EvidenceSynthesis.label(candidate.record), data: data)
        }
        var iterations = 0
        var samples: [Double] = []
        for _ in 0..<500 {
            let started = ContinuousClock.now
            let result = try MetaAnalysis.pool(studies, measure: .md, options: PoolingOptions(method: .reml))
            samples.append((ContinuousClock.now - started).milliseconds)
            iterations = result.iterations ?? 0
        }
        // As the replica sends it (Synthesis.forWire): leave-one-out results without their per-study rows.
        var answer = EvidenceSynthesis.synthesize(question, candidates: candidates)
        for index in answer.leaveOneOut.indices { answer.leaveOneOut[index].result.studies = [] }
        let replyBytes = try WireJSON.encodeChecked(answer).count
        let encode = Measure.Latencies(try (0..<50).map { _ in
            let started = ContinuousClock.now
            _ = try WireJSON.encodeChecked(answer)
            return (ContinuousClock.now - started).milliseconds
        })
        return (decode, synthesize, Measure.Latencies(samples), iterations, encode, replyBytes)
    }

    /// Fibromyalgia pain: fresh once after a change, then cached.
    func heavyQuestion(_ set: LocalSet) async throws -> (candidates: Int, k: Int, fresh: Double, cached: Measure.Latencies) {
        let body = SyntheticRecords.record(records + rounds).jsonData
        _ = try await Measure.load([body], ingest: set.ingest, batchSize: 1, inFlight: 1)
        _ = try await waitUntilCaughtUp(set.query, store: set.store)
        let question = SynthesizeRequest(condition: "fibromyalgia", outcome: "pain")
        let (fresh, _) = try await Measure.latencies(set.query, { Self.asking(question, "heavy-\($0)") }, count: 1)
        let answer = try await request(set.query, Self.asking(question, "heavy-answer")).decode(SynthesizeReply.self)
        let (cached, _) = try await Measure.latencies(set.query, { Self.asking(question, "heavy-cached-\($0)") }, count: 200)
        let candidates = answer.synthesis.included.count + answer.synthesis.excluded.count + answer.synthesis.published.count
        return (candidates, answer.synthesis.pooled?.k ?? 0, fresh.p50, cached)
    }

    static func time(_ work: () -> Void) -> Double {
        let started = ContinuousClock.now
        work()
        return (ContinuousClock.now - started).milliseconds
    }
}
