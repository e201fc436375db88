import EvidenceModel
import GRDB
import Foundation
import MetaAnalysis
import Replication
import SyntheticData
import Testing
import WireProtocol
@testable import Query

/// What the replica gives a synthesis and how a `synthesize` request is read: the candidate
/// records, the resolved question (the cache's key), the bounded cache, and the reply body.
@Suite("Query replica: synthesis candidates, requests, cache")
struct SynthesisRequestTests {
    @Test("Candidates are the active records of the condition with an outcome on the measure, by record id, with their keys")
    func candidates() async throws {
        let fixture = try ReplicaFixture()
        let trials = (0..<4).map { SyntheticTrials.trial($0) }  // fibromyalgia, pain
        let other = [SyntheticTrials.trial(10, condition: "ms"), SyntheticTrials.trial(11, outcome: "fatigue")]
        var both = SyntheticTrials.trial(12)
        both.conditions = ["fibromyalgia", "chronic-pain"]
        try await fixture.replica.apply((trials + other + [both]).enumerated().map { fixture.change(Int64($0 + 1), $1) })
        try await fixture.replica.apply([fixture.change(2, trials[1], kind: .retract, status: .retracted)])

        let found = try await fixture.replica.synthesisCandidates(condition: "fibromyalgia", outcome: "pain")
        #expect(found.map(\.key) == [trials[0], trials[2], trials[3], both].map(\.dedupKey))
        #expect(found.first?.record.title == trials[0].title)
        let chronic = try await fixture.replica.synthesisCandidates(condition: "chronic-pain", outcome: "pain")
        #expect(chronic.map(\.key) == [both.dedupKey])
        #expect(try await fixture.replica.synthesisCandidates(condition: "fibromyalgia", outcome: "sleep").isEmpty)
        for candidate in found {
            #expect(EvidenceSynthesis.isCandidate(candidate.record, for: SynthesisQuestion(condition: "fibromyalgia", outcome: "pain")))
        }
    }

    @Test("Candidates come from the outcome index, not a scan of the records")
    func candidatesUseTheIndex() async throws {
        let fixture = try ReplicaFixture()
        let plan = try await fixture.replica.pool.read { db in
            try Row.fetchAll(db, sql: """
                EXPLAIN QUERY PLAN SELECT r.key, b.body FROM records r JOIN record_bodies b ON b.id = r.id
                WHERE r.id IN (SELECT record_id FROM outcome_index WHERE code = ? AND status = 'active' AND measure = ?)
                ORDER BY r.id
                """, arguments: ["fibromyalgia", "pain"]).map { $0["detail"] as String }.joined(separator: "\n")
        }
        #expect(plan.contains("outcome_index_summary"), "\(plan)")
        #expect(!plan.contains("SCAN r"), "\(plan)")
    }

    @Test("Names become codes and defaults are filled in: two spellings of one question are one question")
    func resolution() throws {
        let a = try SynthesizeRequest(condition: "Fibromyalgia syndrome", outcome: "pain intensity").resolved()
        let b = try SynthesizeRequest(condition: "fibromyalgia", outcome: "pain", method: .reml, hartungKnapp: false).resolved()
        #expect(a == b)
        #expect(a == SynthesisQuestion(condition: "fibromyalgia", outcome: "pain", method: .reml, hartungKnapp: false))
        let narrowed = try SynthesizeRequest(condition: "MS", outcome: "Fatigue", design: .rct, timepointWeeks: 12, measure: .smd,
                                             method: .derSimonianLaird, hartungKnapp: true).resolved()
        #expect(narrowed == SynthesisQuestion(condition: "ms", outcome: "fatigue", design: .rct, timepointWeeks: 12, measure: .smd,
                                              method: .derSimonianLaird, hartungKnapp: true))
    }

    @Test("Wrong questions are errors a client can act on", arguments: [
        (SynthesizeRequest(condition: "fibromialgia", outcome: "pain"), ErrorCode.notFound, "did you mean fibromyalgia?", "condition"),
        (SynthesizeRequest(condition: "fibromyalgia", outcome: "pian"), .invalidRequest, "unknown outcome \"pian\"; did you mean pain?", "outcome"),
        (SynthesizeRequest(condition: "fibromyalgia", outcome: "xyzzy"), .invalidRequest, "the outcomes are pain, ", "outcome"),
        (SynthesizeRequest(condition: String(repeating: "a", count: 201), outcome: "pain"), .invalidRequest, "at most 200", "condition"),
        (SynthesizeRequest(condition: "ms", outcome: String(repeating: "p", count: 100_000)), .invalidRequest, "at most 200", "outcome"),
        (SynthesizeRequest(condition: "ms", outcome: "pain", timepointWeeks: -1), .invalidRequest, "between 0 and 1040", "timepoint_weeks"),
        (SynthesizeRequest(condition: "ms", outcome: "pain", timepointWeeks: 1e300), .invalidRequest, "between 0 and 1040", "timepoint_weeks"),
        (SynthesizeRequest(condition: "ms", outcome: "pain", measure: .proportion), .invalidRequest, "RR, OR, RD, MD, SMD, HR", "measure"),
        (SynthesizeRequest(condition: "ms", outcome: "pain", method: .commonEffect, hartungKnapp: true), .invalidRequest,
         "random-effects", "hartung_knapp"),
        (SynthesizeRequest(condition: "ms", outcome: "pain", measure: .md, method: .mantelHaenszel), .invalidRequest,
         "RR, OR or RD, not MD", "method"),
    ])
    func refused(request: SynthesizeRequest, code: ErrorCode, message: String, field: String) {
        let error = #expect(throws: ErrorBody.self) { try request.resolved() }
        #expect(error?.code == code)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
        #expect(error?.details.allSatisfy { $0.field == field } == true && error?.details.isEmpty == false, "\(error?.details ?? [])")
        #expect((error?.message.utf8.count ?? 0) < 1000, "the message does not echo a huge name")
    }

    @Test("The cache answers only at the position it was computed at, and a change empties it")
    func cachePosition() {
        let cache = SynthesisCache()
        let question = SynthesisQuestion(condition: "fibromyalgia", outcome: "pain")
        cache.store(Data("a".utf8), for: question, at: 5)
        #expect(cache.answer(to: question, at: 5) == Data("a".utf8))
        #expect(cache.answer(to: question, at: 6) == nil)
        cache.store(Data("late".utf8), for: SynthesisQuestion(condition: "ms", outcome: "pain"), at: 4)
        #expect(cache.count == 1, "an answer computed at an older position is not kept")
        cache.store(Data("b".utf8), for: SynthesisQuestion(condition: "ms", outcome: "pain"), at: 6)
        #expect(cache.count == 1 && cache.answer(to: question, at: 6) == nil, "a newer position replaced everything")
    }

    @Test("After a restore of the store, the same position in the new history is not answered from the cache")
    func cacheHistory() {
        let cache = SynthesisCache()
        let question = SynthesisQuestion(condition: "fibromyalgia", outcome: "pain")
        cache.store(Data("old history".utf8), for: question, at: 1500)
        #expect(cache.answer(to: question, at: 1500, history: 1) == nil, "seq 1500 of the restored store is other data")
        cache.store(Data("new history".utf8), for: question, at: 1000, history: 1)
        #expect(cache.answer(to: question, at: 1000, history: 1) == Data("new history".utf8), "a later history replaces everything")
        #expect(cache.answer(to: question, at: 1500) == nil)
    }

    @Test("The cache holds at most its bound in entries and in bytes; the oldest go first")
    func cacheBounds() {
        let cache = SynthesisCache(maximumEntries: 256, maximumBytes: 10_000)
        let questions = (0..<300).map { SynthesisQuestion(condition: "other:synthetic \($0)", outcome: "pain") }
        for question in questions { cache.store(Data("{}".utf8), for: question, at: 1) }
        #expect(cache.count == 256)
        #expect(cache.answer(to: questions[0], at: 1) == nil && cache.answer(to: questions[43], at: 1) == nil)
        #expect(cache.answer(to: questions[44], at: 1) != nil && cache.answer(to: questions[299], at: 1) != nil)

        let big = Data(repeating: 0x20, count: 4000)
        for question in questions.prefix(3) { cache.store(big, for: question, at: 2) }
        #expect(cache.count == 2, "10 000 bytes hold two of 4 000")
        #expect(cache.answer(to: questions[0], at: 2) == nil && cache.answer(to: questions[2], at: 2) == big)
        cache.store(Data(repeating: 0x20, count: 20_000), for: questions[5], at: 2)
        #expect(cache.answer(to: questions[5], at: 2) == nil, "an answer larger than the whole bound is not kept")
    }

    @Test("The reply body is exactly what encoding a SynthesizeReply gives, without leave-one-out's per-study rows")
    func replyBody() throws {
        let study = StudyResult(label: "Synthetic1 2001", yi: -0.4, vi: 0.04, ciLow: -0.79, ciHigh: -0.01, weight: 100)
        let result = PooledResult(measure: .md, method: .reml, hartungKnapp: false, k: 2, estimate: -0.4, se: 0.2, ciLow: -0.79,
                                  ciHigh: -0.01, statistic: -2, df: nil, p: 0.045, predictionLow: -1, predictionHigh: 0.2, tau2: 0.01,
                                  tau: 0.1, i2: 10, h2: 1.1, q: 1.1, qDF: 1, qP: 0.29, iterations: 4, studies: [study, study])
        let synthesis = Synthesis(question: SynthesisQuestion(condition: "fibromyalgia", outcome: "pain"), measure: .md, included: [],
                                  excluded: [], pooled: result, notPooled: nil,
                                  leaveOneOut: [LeaveOneOut(omitted: "Synthetic2 2002", result: result)], subgroups: nil,
                                  published: [], benefit: .lower)
        #expect(synthesis.forWire.leaveOneOut[0].result.studies.isEmpty && synthesis.forWire.pooled?.studies.count == 2)
        let state = ReplicaState(applied: 7, storeHead: 9, catchingUp: false)
        let request = Request(type: MessageType.synthesize, id: "r1")
        let reply = QueryRoutes.reply(request, synthesis: try WireJSON.encodeChecked(synthesis.forWire), replica: state)
        #expect(reply.body == WireJSON.encode(SynthesizeReply(synthesis: synthesis.forWire, replica: state)))
        let decoded = try reply.decode(SynthesizeReply.self)
        #expect(decoded.synthesis == synthesis.forWire && decoded.replica == state)
    }

    @Test("A synthesis holding a value JSON cannot carry is an encoding error, not a crash")
    func nonFiniteIsAnError() {
        let synthesis = Synthesis(question: SynthesisQuestion(condition: "ms", outcome: "pain"), measure: .md,
                                  included: [IncludedStudy(key: "k", label: "Synthetic 2020", title: "SYNTHETIC", year: 2020, design: .rct,
                                                           instrument: nil, timepointWeeks: nil, nTreatment: 1, nControl: 1,
                                                           effect: EffectSize(yi: .nan, vi: .infinity), notes: [])],
                                  excluded: [], pooled: nil, notPooled: "x", leaveOneOut: [], subgroups: nil, published: [])
        #expect(throws: (any Error).self) { try WireJSON.encodeChecked(synthesis) }
    }
}
