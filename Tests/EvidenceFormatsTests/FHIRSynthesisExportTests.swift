import EvidenceModel
import Foundation
import MetaAnalysis
import Testing
@testable import EvidenceFormats

/// Syntheses built by hand. The pooled figures are SYNTHETIC (shaped like a pooling's output,
/// computed by nothing); the published pool is Vatvani 2024's as the reference list gives it.
private enum Syntheses {
    static func study(_ index: Int, yi: Double, vi: Double, design: StudyDesign = .rct, arms: (Int, Int)? = (30, 31)) -> IncludedStudy {
        IncludedStudy(key: "doi:10.5555/ldn-fhir-\(index)", label: "Example 202\(index)",
                      title: "SYNTHETIC study \(index) for the FHIR synthesis export", year: 2020 + index, design: design,
                      instrument: "NRS 0-10", timepointWeeks: 12, nTreatment: arms?.0, nControl: arms?.1,
                      effect: EffectSize(yi: yi, vi: vi), notes: index == 2 ? ["SD from the 95% CI of the mean"] : [])
    }

    static func pooled(_ measure: EffectType, method: PoolingMethod, hartungKnapp: Bool = false) -> PooledResult {
        PooledResult(measure: measure, method: method, hartungKnapp: hartungKnapp, k: 3, estimate: -0.5, se: 0.2,
                     ciLow: -0.9, ciHigh: -0.1, statistic: -2.5, df: hartungKnapp ? 2 : nil, p: 0.012,
                     predictionLow: method.isRandomEffects ? -1.4 : nil, predictionHigh: method.isRandomEffects ? 0.4 : nil,
                     tau2: 0.04, tau: 0.2, i2: 25, h2: 1.33, q: 2.7, qDF: 2, qP: 0.26, iterations: method == .reml ? 4 : nil,
                     studies: [StudyResult(label: "Example 2021", yi: -0.9, vi: 0.09, ciLow: -1.49, ciHigh: -0.31, weight: 40),
                               StudyResult(label: "Example 2022", yi: -0.3, vi: 0.12, ciLow: -0.98, ciHigh: 0.38, weight: 33),
                               StudyResult(label: "Example 2023", yi: -0.2, vi: 0.16, ciLow: -0.98, ciHigh: 0.58, weight: 27)])
    }

    static let vatvani = PublishedPool(
        key: "doi:10.3344/kjp.24202", label: "Vatvani 2024",
        title: "Low-dose naltrexone for fibromyalgia: systematic review and meta-analysis of RCTs with trial sequential analysis.",
        design: .metaAnalysis, participants: 222, effect: Effect(type: .md, value: -0.86, ciLow: -1.2, ciHigh: -0.51))

    static func pooledSynthesis(_ measure: EffectType = .md, method: PoolingMethod = .reml, hartungKnapp: Bool = true) -> Synthesis {
        Synthesis(question: SynthesisQuestion(condition: "fibromyalgia", outcome: "pain", measure: measure, method: method,
                                              hartungKnapp: hartungKnapp),
                  measure: measure,
                  included: [study(1, yi: -0.9, vi: 0.09), study(2, yi: -0.3, vi: 0.12),
                             study(3, yi: -0.2, vi: 0.16, design: .crossoverRCT, arms: (20, 20))],
                  excluded: [ExcludedStudy(key: "doi:10.5555/ldn-fhir-9", label: "Example 2029", reason: "no SD, SE or CI for the arms")],
                  pooled: pooled(measure, method: method, hartungKnapp: hartungKnapp), notPooled: nil,
                  leaveOneOut: [], subgroups: nil, published: [vatvani])
    }

    static let notPooled = Synthesis(
        question: SynthesisQuestion(condition: "fibromyalgia", outcome: "pain"), measure: nil, included: [],
        excluded: [ExcludedStudy(key: "doi:10.5555/ldn-fhir-8", label: "Example 2028", reason: "the only study with poolable numbers")],
        pooled: nil, notPooled: "fewer than two studies have comparable data", leaveOneOut: [], subgroups: nil, published: [vatvani])
}

private func parse(_ data: Data) throws -> JSONValue { try JSONParser.parse(data) }

private func resources(_ bundle: JSONValue) -> [JSONValue] {
    (bundle["entry"]?.arrayValue ?? []).compactMap { $0["resource"] }
}

private func codes(_ concept: JSONValue?) -> [String] {
    (concept?["coding"]?.arrayValue ?? []).compactMap { $0["code"]?.stringValue }
}

/// The attribute estimate of a statistic whose type has `code` (or, without a coding, `text`).
private func estimate(_ statistic: JSONValue?, _ code: String) -> JSONValue? {
    statistic?["attributeEstimate"]?.arrayValue?.first { codes($0["type"]).contains(code) || $0["type"]?["text"]?.stringValue == code }
}

/// Runs Tests/python/validate_fhir.py (fhir.resources' R5 models) on `data`.
func validateFHIR(_ data: Data) async throws -> (status: Int32, output: String) {
    let path = try scratchFile(String(decoding: data, as: UTF8.self), name: "bundle.json")
    return try await runProgram(["python3", repositoryFile("Tests/python/validate_fhir.py"), path])
}

@Suite("FHIR R5 export of a synthesis (ldn synthesize --fhir)")
struct FHIRSynthesisExportTests {
    static let time = Date(timeIntervalSince1970: 1_780_000_000)

    @Test("A pooled synthesis: a collection with the pooled Evidence, one per study, one per published pool")
    func shape() throws {
        let bundle = try parse(FHIRSynthesisExport.bundle(for: Syntheses.pooledSynthesis(), generatedAt: Self.time))
        #expect(bundle["resourceType"] == "Bundle" && bundle["type"] == "collection")
        let ids = resources(bundle).compactMap { $0["id"]?.stringValue }
        #expect(ids == ["synthesis", "synthesis-study-1", "synthesis-study-2", "synthesis-study-3", "synthesis-published-1"])
        #expect(resources(bundle).allSatisfy { $0["resourceType"] == "Evidence" && $0["status"] == "active" })
        let pooled = resources(bundle)[0]
        #expect(codes(pooled["synthesisType"]) == ["std-MA"])
        let related = (pooled["relatedArtifact"]?.arrayValue ?? []).map {
            "\($0["type"]?.stringValue ?? "") \($0["resourceReference"]?["reference"]?.stringValue ?? "")"
        }
        #expect(related == ["composed-of Evidence/synthesis-study-1", "composed-of Evidence/synthesis-study-2",
                            "composed-of Evidence/synthesis-study-3", "similar-to Evidence/synthesis-published-1"])
        #expect(pooled["note"]?.arrayValue?.first?["text"] == "Left out: Example 2029 — no SD, SE or CI for the arms")
        #expect(pooled["description"]?.stringValue?.hasPrefix("Pooled MD of 3 studies, REML random-effects model with the "
            + "Hartung-Knapp adjustment: -0.5 (95% CI -0.9 to -0.1).") == true)
    }

    @Test("The pooled statistic: type, estimate, studies and participants, CI, p, SE, prediction interval, I², τ², Q")
    func pooledStatistic() throws {
        let bundle = try parse(FHIRSynthesisExport.bundle(for: Syntheses.pooledSynthesis(), generatedAt: Self.time))
        let statistic = try #require(resources(bundle)[0]["statistic"]?.arrayValue?.first)
        #expect(codes(statistic["statisticType"]) == ["0000457"])
        #expect(statistic["quantity"]?["value"] == .number(-0.5))
        // Crossover study 3 counts its 20 participants once: 61 + 61 + 20.
        #expect(statistic["sampleSize"] == ["numberOfStudies": 3, "numberOfParticipants": 142])
        let ci = estimate(statistic, "C53324")
        #expect(ci?["level"] == .number(0.95) && ci?["range"] == ["low": ["value": -0.9], "high": ["value": -0.1]])
        #expect(estimate(statistic, "C44185")?["quantity"]?["value"] == .number(0.012))
        #expect(estimate(statistic, "0000037")?["quantity"]?["value"] == .number(0.2))
        #expect(estimate(statistic, "Prediction interval")?["range"] == ["low": ["value": -1.4], "high": ["value": 0.4]])
        #expect(estimate(statistic, "0000420")?["quantity"] == ["value": 25, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"])
        #expect(estimate(statistic, "0000421")?["quantity"]?["value"] == .number(0.04))
        let q = estimate(statistic, "0000419")
        #expect(q?["quantity"]?["value"] == .number(2.7) && q?["description"] == "Q with 2 degrees of freedom")
        #expect(estimate(q, "C44185")?["quantity"]?["value"] == .number(0.26))
    }

    @Test("The model as modelCharacteristic codes", arguments: [
        (PoolingMethod.reml, true, ["metaAnalysis", "effectsRandom", "poolInverseVariance", "tauRestrictedMaximumLikelihood", "hartungKnapp"]),
        (.derSimonianLaird, false, ["metaAnalysis", "effectsRandom", "poolInverseVariance", "tauDersimonianLaird"]),
        (.commonEffect, false, ["metaAnalysis", "effectsFixed", "poolInverseVariance"]),
        (.mantelHaenszel, false, ["metaAnalysis", "effectsFixed", "poolMantelHaenzsel"]),
    ])
    func model(method: PoolingMethod, hartungKnapp: Bool, expected: [String]) throws {
        let measure: EffectType = method == .mantelHaenszel ? .rr : .md
        let bundle = try parse(FHIRSynthesisExport.bundle(for: Syntheses.pooledSynthesis(measure, method: method,
                                                                                           hartungKnapp: hartungKnapp),
                                                          generatedAt: Self.time))
        let statistic = resources(bundle)[0]["statistic"]?.arrayValue?.first
        let characteristics = statistic?["modelCharacteristic"]?.arrayValue ?? []
        #expect(characteristics.flatMap { codes($0["code"]) } == expected)
        #expect(characteristics.allSatisfy {
            $0["code"]?["coding"]?.arrayValue?.first?["system"] == "http://hl7.org/fhir/statistic-model-code"
        })
        #expect((estimate(statistic, "Prediction interval") != nil) == method.isRandomEffects)
    }

    @Test("Ratios are written as ratios: the estimate and intervals exponentiated, the SE and τ² on the log scale")
    func ratioScale() throws {
        let bundle = try parse(FHIRSynthesisExport.bundle(for: Syntheses.pooledSynthesis(.rr), generatedAt: Self.time))
        let statistic = resources(bundle)[0]["statistic"]?.arrayValue?.first
        #expect(codes(statistic?["statisticType"]) == ["C93152"])
        #expect(statistic?["quantity"]?["value"]?.numberValue == exp(-0.5))
        #expect(estimate(statistic, "C53324")?["range"]?["low"]?["value"]?.numberValue == exp(-0.9))
        #expect(estimate(statistic, "0000037")?["quantity"]?["value"] == .number(0.2))
        #expect(estimate(statistic, "0000037")?["description"] == "On the log scale")
        let study = resources(bundle)[1]["statistic"]?.arrayValue?.first
        #expect(study?["quantity"]?["value"]?.numberValue == exp(-0.9))
        #expect(estimate(study, "C53324")?["range"]?["high"]?["value"]?.numberValue == exp(-0.31))
    }

    @Test("Each study: its key, design, effect with CI and SE, weight, and how its numbers were used")
    func studies() throws {
        let bundle = try parse(FHIRSynthesisExport.bundle(for: Syntheses.pooledSynthesis(), generatedAt: Self.time))
        let study = resources(bundle)[2]
        #expect(study["identifier"]?.arrayValue?.first?["value"] == "doi:10.5555/ldn-fhir-2")
        #expect(study["title"] == "SYNTHETIC study 2 for the FHIR synthesis export")
        #expect(study["note"]?.arrayValue?.first?["text"] == "SD from the 95% CI of the mean")
        #expect(codes(study["studyDesign"]?.arrayValue?.first) == ["SEVCO:01003"])
        let statistic = study["statistic"]?.arrayValue?.first
        #expect(statistic?["quantity"]?["value"] == .number(-0.3))
        #expect(statistic?["sampleSize"]?["numberOfParticipants"] == .number(61))
        #expect(estimate(statistic, "C53324")?["range"] == ["low": ["value": -0.98], "high": ["value": 0.38]])
        #expect(estimate(statistic, "Weight")?["quantity"]?["value"] == .number(33))
        let se = try #require(estimate(statistic, "0000037")?["quantity"]?["value"]?.numberValue)
        #expect(abs(se - 0.12.squareRoot()) < 1e-12)
    }

    @Test("Nothing pooled: the pooled Evidence has no statistic and says why; published pools are still there")
    func notPooled() throws {
        let bundle = try parse(FHIRSynthesisExport.bundle(for: Syntheses.notPooled, generatedAt: Self.time))
        let all = resources(bundle)
        #expect(all.count == 2)
        #expect(all[0]["statistic"] == nil && all[0]["relatedArtifact"]?.arrayValue?.count == 1)
        #expect(all[0]["description"] == "Not pooled: fewer than two studies have comparable data")
        let published = all[1]["statistic"]?.arrayValue?.first
        #expect(published?["quantity"]?["value"] == .number(-0.86))
        #expect(estimate(published, "C53324")?["range"] == ["low": ["value": -1.2], "high": ["value": -0.51]])
        #expect(published?["sampleSize"]?["numberOfParticipants"] == .number(222))
        #expect(all[1]["description"]?.stringValue?.contains("as published by Vatvani 2024") == true)
    }

    @Test("The same synthesis and time give the same bytes")
    func deterministic() {
        let synthesis = Syntheses.pooledSynthesis()
        #expect(FHIRSynthesisExport.bundle(for: synthesis, generatedAt: Self.time)
            == FHIRSynthesisExport.bundle(for: synthesis, generatedAt: Self.time))
    }

    @Test("Every bundle validates against fhir.resources' R5 models, with references that resolve",
          .timeLimit(.minutes(2)))
    func validates() async throws {
        var syntheses = [Syntheses.notPooled]
        for method in PoolingMethod.allCases {
            for measure: EffectType in [.md, .rr] { syntheses.append(Syntheses.pooledSynthesis(measure, method: method,
                                                                                                  hartungKnapp: method.isRandomEffects)) }
        }
        for synthesis in syntheses {
            let (status, output) = try await validateFHIR(FHIRSynthesisExport.bundle(for: synthesis, generatedAt: Self.time))
            #expect(status == 0, "\(synthesis.pooled?.method.rawValue ?? "not pooled"): \(output)")
            #expect(output.contains("valid FHIR R5 Bundle"))
        }
    }
}
