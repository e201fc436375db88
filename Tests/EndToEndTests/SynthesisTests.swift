import EvidenceModel
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import MetaAnalysis
import SyntheticData
import TestHarness
import Testing
import WireProtocol

/// `synthesize` through the real set: SYNTHETIC trials submitted through ingest, pooled by a
/// query replica and shown by the real `ldn synthesize`; the replica's cached answer until a
/// change lands; hostile requests answered with structured errors.
@Suite("Synthesis through the real set", .serialized)
struct SynthesisTests {
    static func jsonLines(_ records: [EvidenceRecord]) -> String {
        records.map { String(decoding: $0.jsonData, as: UTF8.self) }.joined(separator: "\n") + "\n"
    }

    static func synthesize(_ endpoint: String, _ body: SynthesizeRequest) async throws -> SynthesizeReply {
        try await request(endpoint, Request(type: MessageType.synthesize, id: UUID().uuidString, body: body)).decode(SynthesizeReply.self)
    }

    static func counter(_ name: String, _ endpoint: String) async throws -> Int {
        try await status(endpoint).counters[name] ?? 0
    }

    @Test("ldn synthesize pools the trials, prints the table, the plot and the pooled line; the answer is cached until a change lands",
          .timeLimit(.minutes(3)))
    func poolsAndCaches() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest", "query"])
        defer { set.killAll() }
        let trials = (0..<8).map { SyntheticTrials.trial($0) }
        let file = try temporaryFile("trials.jsonl", Self.jsonLines(trials))
        let submitted = try await ldn(["submit", file, "--ingest", set.ingest])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        _ = try await waitUntilCaughtUp(set.query, store: set.store)

        let plotFile = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-forest-\(UUID().uuidString).svg").path
        defer { try? FileManager.default.removeItem(atPath: plotFile) }
        let fhirFile = plotFile + ".fhir.json"
        defer { try? FileManager.default.removeItem(atPath: fhirFile) }
        let run = try await ldn(["synthesize", "fibromyalgia", "--outcome", "pain", "--plot", plotFile, "--fhir", fhirFile,
                                 "--query", set.query])
        // --fhir writes the Bundle FHIRSynthesisExport makes (its content is checked with fhir.resources in EvidenceFormatsTests).
        let bundle = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fhirFile))) as? [String: Any]
        #expect(bundle?["resourceType"] as? String == "Bundle")
        #expect((bundle?["entry"] as? [Any])?.count == 1 + trials.count, "the pooled Evidence and one per study")
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.prefix(2) == ["Fibromyalgia · pain: 8 studies pooled", "MD, mean difference · random effects (REML)"],
                "\(run.stdout)")
        #expect(lines.allSatisfy { $0.count <= 80 }, "\(lines.filter { $0.count > 80 })")
        // The table: one row per trial, its arm sizes and its weight.
        for trial in trials {
            let label = EvidenceSynthesis.label(trial)
            let n = trial.outcomes[0].arms!.treatment.n
            #expect(lines.contains { $0.hasPrefix(label) && $0.contains("rct") && $0.contains("\(n)/\(n)") && $0.hasSuffix("%") },
                    "a table row for \(label)")
            #expect(lines.contains { $0.hasPrefix(label) && $0.contains("■") }, "a plot line for \(label)")
        }
        #expect(lines.contains { $0.hasPrefix("Pooled (REML)") && $0.contains("◆") }, "the diamond")
        #expect(lines.contains { $0.contains("favours LDN") && $0.contains("favours control") })
        let pooledLine = lines.first { $0.hasPrefix("Pooled (REML), k = 8: MD ") }
        #expect(pooledLine?.contains("[95% CI ") == true && pooledLine?.contains("p ") == true, "\(run.stdout)")
        #expect(lines.contains { $0.hasPrefix("Heterogeneity: τ² = ") && $0.contains("I² = ") && $0.contains("Q = ") })
        #expect(lines.contains { $0.hasPrefix("Prediction interval: ") })
        #expect(lines.contains { $0.hasPrefix("Leave-one-out") })
        #expect(run.stderr.contains("wrote the forest plot to \(plotFile)"))
        let svg = try Data(contentsOf: URL(fileURLWithPath: plotFile))
        #expect(XMLParser(data: svg).parse(), "the plot is well-formed XML")
        #expect(String(decoding: svg, as: UTF8.self).components(separatedBy: "class=\"square\"").count - 1 == 8)

        // The same question, asked again in other words: the cached answer.
        #expect(try await Self.counter("synthesize.computed", set.query) == 1)
        let json = try await ldn(["synthesize", "Fibromyalgia syndrome", "--outcome", "pain intensity", "--json", "--query", set.query])
        #expect(json.status == 0, "\(json.stderr)")
        let printed = try WireJSON.decode(SynthesizeReply.self, from: Data(json.stdout.utf8))
        let again = try await Self.synthesize(set.query, SynthesizeRequest(condition: "fibromyalgia", outcome: "pain"))
        #expect(printed.synthesis == again.synthesis)
        #expect(printed.synthesis.included.count == 8 && printed.synthesis.pooled?.k == 8)
        #expect(try await Self.counter("synthesize.computed", set.query) == 1)
        #expect(try await Self.counter("synthesize.cached", set.query) == 2)

        // A ninth trial lands: the next answer is computed afresh and has it.
        let ninth = try temporaryFile("ninth.jsonl", Self.jsonLines([SyntheticTrials.trial(8)]))
        #expect(try await ldn(["submit", ninth, "--ingest", set.ingest]).status == 0)
        _ = try await waitUntilCaughtUp(set.query, store: set.store)
        let after = try await Self.synthesize(set.query, SynthesizeRequest(condition: "fibromyalgia", outcome: "pain"))
        #expect(after.synthesis.pooled?.k == 9 && after.synthesis.included.count == 9)
        #expect(after.replica.applied > again.replica.applied)
        #expect(try await Self.counter("synthesize.computed", set.query) == 2)
        #expect(try await set.stop().values.allSatisfy { $0 == 0 })
    }

    @Test("With fewer than two poolable studies it says so plainly and still lists what there is", .timeLimit(.minutes(2)))
    func notPooled() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest", "query"])
        defer { set.killAll() }
        var withoutNumbers = SyntheticTrials.trial(21)
        withoutNumbers.outcomes[0].arms = nil
        withoutNumbers.outcomes[0].benefit = nil
        withoutNumbers.outcomes[0].changeFromBaseline = false
        let file = try temporaryFile("two.jsonl", Self.jsonLines([SyntheticTrials.trial(20), withoutNumbers]))
        let submitted = try await ldn(["submit", file, "--ingest", set.ingest])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        _ = try await waitUntilCaughtUp(set.query, store: set.store)

        let run = try await ldn(["synthesize", "fibromyalgia", "--outcome", "pain", "--query", set.query])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "Fibromyalgia · pain: not pooled (1 study with usable data)", "\(run.stdout)")
        #expect(lines.contains { $0.hasPrefix("Not pooled: ") })
        #expect(lines.contains { $0.hasPrefix(EvidenceSynthesis.label(SyntheticTrials.trial(20))) && $0.contains("■") })
        #expect(!lines.contains { $0.contains("◆") }, "no pooled diamond")
        let leftOut = try #require(lines.firstIndex(of: "Left out (1):"), "\(run.stdout)")
        #expect(lines[leftOut + 1].hasPrefix("  " + EvidenceSynthesis.label(withoutNumbers)))
        _ = try await set.stop()
    }

    @Test("Hostile synthesize requests get structured errors naming the field, and the replica keeps answering",
          .timeLimit(.minutes(2)))
    func hostileRequests() async throws {
        let set = try await LocalSet.start(["evidence-store", "query"])
        defer { set.killAll() }
        let huge = String(repeating: "x", count: 1 << 20)
        let cases: [(body: String, code: ErrorCode, field: String?)] = [
            (#"{"condition": 5, "outcome": "pain"}"#, .invalidRequest, "condition"),
            (#"{"condition": "ms", "outcome": ["pain"]}"#, .invalidRequest, "outcome"),
            (#"{"condition": "ms"}"#, .invalidRequest, "outcome"),
            (#"{"condition": "ms", "outcome": "pain", "colour": "red"}"#, .invalidRequest, "colour"),
            (#"{"condition": "\#(huge)", "outcome": "pain"}"#, .invalidRequest, "condition"),
            (#"{"condition": "ms", "outcome": "\#(huge)"}"#, .invalidRequest, "outcome"),
            (#"{"condition": "ms", "outcome": "pain", "timepoint_weeks": "NaN"}"#, .invalidRequest, "timepoint_weeks"),
            (#"{"condition": "ms", "outcome": "pain", "timepoint_weeks": NaN}"#, .badJSON, nil),
            (#"{"condition": "ms", "outcome": "pain", "timepoint_weeks": 1e999}"#, .badJSON, nil),
            (#"{"condition": "ms", "outcome": "pain", "timepoint_weeks": -1e-300}"#, .invalidRequest, "timepoint_weeks"),
            (#"{"condition": "ms", "outcome": "pain", "measure": "XYZ"}"#, .invalidRequest, "measure"),
            (#"{"condition": "ms", "outcome": "pain", "measure": "proportion"}"#, .invalidRequest, "measure"),
            (#"{"condition": "ms", "outcome": "pain", "method": "bayes"}"#, .invalidRequest, "method"),
            (#"{"condition": "ms", "outcome": "pain", "method": "fe", "hartung_knapp": true}"#, .invalidRequest, "hartung_knapp"),
            (#"{"condition": "ms", "outcome": "pain", "hartung_knapp": "yes"}"#, .invalidRequest, "hartung_knapp"),
            (#"{"condition": "ms", "outcome": "pain", "design": ["rct"]}"#, .invalidRequest, "design"),
            (#"{"condition": "ms", "outcome": "pian"}"#, .invalidRequest, "outcome"),
            (#"{"condition": "cancer", "outcome": "pain"}"#, .notFound, nil),
            (#"{"condition": {"condition": {"condition": "ms"}}, "outcome": "pain"}"#, .invalidRequest, "condition"),
        ]
        for (index, item) in cases.enumerated() {
            let reply = try await request(set.query, Request(type: MessageType.synthesize, id: "hostile-\(index)", body: Data(item.body.utf8)))
            #expect(!reply.isOK, "case \(index) was answered ok")
            guard !reply.isOK else { continue }
            let error = try WireJSON.decode(ErrorBody.self, from: reply.body)
            #expect(error.code == item.code, "case \(index): \(error)")
            if let field = item.field {
                #expect(error.details.contains { $0.field == field }, "case \(index): \(error.details)")
            }
            #expect(reply.body.count < 4096, "case \(index): the error does not echo the request (\(reply.body.count) bytes)")
        }
        // Many distinct questions, each answered; the cache stays bounded (SynthesisCache, tested on its own).
        for index in 0..<300 {
            let reply = try await request(set.query, Request(type: MessageType.synthesize, id: "many-\(index)",
                                                             body: SynthesizeRequest(condition: "other:synthetic condition \(index)",
                                                                                     outcome: "pain")))
            #expect(reply.isOK, "question \(index)")
        }
        #expect((try? await status(set.query)) != nil, "the replica still answers status")
        let fine = try await Self.synthesize(set.query, SynthesizeRequest(condition: "ms", outcome: "pain"))
        #expect(fine.synthesis.included.isEmpty && fine.synthesis.pooled == nil)
        #expect(try await set.stop().values.allSatisfy { $0 == 0 })
    }
}
