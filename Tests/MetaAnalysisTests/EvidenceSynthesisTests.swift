import EvidenceModel
import Foundation
@testable import MetaAnalysis
import Testing

/// From records to a synthesis: what is pooled, what is left out and why. The records here
/// are SYNTHETIC (made in the test), except where a comment cites the reference list.
@Suite("Synthesis of records: selection, conversion and refusals")
struct EvidenceSynthesisTests {
    static func trial(_ key: String, author: String, year: Int = 2020, design: StudyDesign = .rct, nct: String? = nil,
                      outcomes: [Outcome]) -> EvidenceSynthesis.Candidate {
        EvidenceSynthesis.Candidate(key: key, record: EvidenceRecord(
            title: "SYNTHETIC trial \(key)", year: year, conditions: ["fibromyalgia"], design: design, authors: [author],
            identifiers: Identifiers(nct: nct), participants: 100, outcomes: outcomes))
    }

    static func responders(_ a: Int, _ n1: Int, _ c: Int, _ n2: Int) -> Outcome {
        Outcome(measure: "pain", direction: .improved, timepointWeeks: 12, benefit: .higher,
                arms: ArmPair(treatment: .binary(events: a, total: n1), control: .binary(events: c, total: n2)))
    }

    static func means(_ m1: Double, _ m2: Double, sd: Double = 2, n: Int = 40, instrument: String = "NRS 0-10",
                      benefit: Benefit = .lower) -> Outcome {
        Outcome(measure: "pain", instrument: instrument, direction: .improved, timepointWeeks: 12, benefit: benefit,
                arms: ArmPair(treatment: .continuous(mean: m1, spread: .sd(sd), n: n), control: .continuous(mean: m2, spread: .sd(sd), n: n)))
    }

    let pain = SynthesisQuestion(condition: "fibromyalgia", outcome: "pain")

    @Test("One study with data is not pooled: the answer says so and shows the published pooled value beside it")
    func oneStudyIsNotPooled() throws {
        // Bruun 2024 and Vatvani 2024 as /work/shared/reference/ldn-studies.md gives them ("Effect data for synthesis").
        let bruun = Self.trial("doi:10.1016/s2665-9913(23)00278-3", author: "Bruun KD", year: 2024, outcomes: [
            Outcome(measure: "pain", instrument: "NRS 0-10", direction: .noDifference,
                    effect: Effect(type: .md, value: -0.34, ciLow: -0.95, ciHigh: 0.27, p: 0.27), timepointWeeks: 12, benefit: .lower,
                    arms: ArmPair(treatment: .continuous(mean: -1.3, spread: .ci(low: -1.7, high: -0.8), n: 49),
                                  control: .continuous(mean: -0.9, spread: .ci(low: -1.4, high: -0.5), n: 50)),
                    changeFromBaseline: true)])
        let vatvani = Self.trial("doi:10.3344/kjp.24202", author: "Vatvani AD", year: 2024, design: .metaAnalysis, outcomes: [
            Outcome(measure: "pain", direction: .improved, effect: Effect(type: .md, value: -0.86, ciLow: -1.20, ciHigh: -0.51))])
        let synthesis = EvidenceSynthesis.synthesize(pain, candidates: [bruun, vatvani])
        #expect(synthesis.pooled == nil)
        #expect(synthesis.included.map(\.label) == ["Bruun 2024"])
        #expect(synthesis.measure == .md)
        let reason = try #require(synthesis.notPooled)
        #expect(reason.contains("only 1 study (Bruun 2024)") && reason.contains("at least 2"))
        #expect(synthesis.published.map(\.label) == ["Vatvani 2024"])
        #expect(synthesis.published.first?.value == -0.86)
        // The trial's own between-group MD is used, its SE recovered from the 95% CI.
        let effect = synthesis.included[0].effect
        #expect(effect.yi == -0.34)
        #expect(abs(effect.se - 1.22 / (2 * 1.959963984540054)) < 1e-12)
    }

    @Test("Two trials with binary arms are pooled as a risk ratio by default, each with its weight")
    func binaryArmsPoolAsRiskRatio() throws {
        let synthesis = EvidenceSynthesis.synthesize(pain, candidates: [
            Self.trial("a", author: "Alpha", outcomes: [Self.responders(20, 50, 10, 50)]),
            Self.trial("b", author: "Beta", year: 2021, outcomes: [Self.responders(30, 60, 18, 60)]),
        ])
        let pooled = try #require(synthesis.pooled)
        #expect(synthesis.measure == .rr && pooled.k == 2 && synthesis.notPooled == nil)
        #expect(abs(synthesis.included[0].effect.yi - log((20.0 / 50) / (10.0 / 50))) < 1e-12)
        #expect(abs(pooled.studies.map(\.weight).reduce(0, +) - 100) < 1e-9)
    }

    @Test("Reports sharing an NCT id are one study: the stronger stands, the other is left out and named")
    func reportsOfOneStudyCountOnce() {
        let synthesis = EvidenceSynthesis.synthesize(pain, candidates: [
            Self.trial("a", author: "Alpha", year: 2019, nct: "NCT00000001", outcomes: [Self.responders(20, 50, 10, 50)]),
            Self.trial("a2", author: "Alpha", year: 2021, nct: "NCT00000001", outcomes: [Self.responders(22, 50, 10, 50)]),
            Self.trial("b", author: "Beta", outcomes: [Self.responders(30, 60, 18, 60)]),
        ])
        #expect(synthesis.included.map(\.key) == ["b", "a2"])
        #expect(synthesis.excluded.map(\.key) == ["a"])
        #expect(synthesis.excluded.first?.reason.contains("another report of NCT00000001 (Alpha 2021)") == true)
    }

    @Test("Different instruments: SMD by default; an MD asked for leaves the other scale out with the reason")
    func scalesAreNotMixedInAMeanDifference() {
        let candidates = [
            Self.trial("a", author: "Alpha", outcomes: [Self.means(3, 4)]),
            Self.trial("b", author: "Beta", outcomes: [Self.means(3.5, 4.2)]),
            Self.trial("c", author: "Gamma", outcomes: [Self.means(30, 42, sd: 20, instrument: "VAS 0-100")]),
        ]
        #expect(EvidenceSynthesis.synthesize(pain, candidates: candidates).measure == .smd)
        var md = pain
        md.measure = .md
        let synthesis = EvidenceSynthesis.synthesize(md, candidates: candidates)
        #expect(synthesis.included.map(\.key) == ["a", "b"])
        #expect(synthesis.excluded.map(\.key) == ["c"])
        #expect(synthesis.excluded.first?.reason.contains("an MD needs one scale") == true)
    }

    @Test("An SMD turns the sign of a scale where higher is better, and says so")
    func smdAlignsBenefit() {
        var smd = pain
        smd.measure = .smd
        let synthesis = EvidenceSynthesis.synthesize(smd, candidates: [
            Self.trial("a", author: "Alpha", outcomes: [Self.means(3, 4)]),
            Self.trial("b", author: "Beta", outcomes: [Self.means(3.5, 4.2)]),
            Self.trial("c", author: "Gamma", outcomes: [Self.means(60, 50, sd: 20, instrument: "relief 0-100", benefit: .higher)]),
        ])
        let gamma = synthesis.included.first { $0.key == "c" }
        #expect(gamma?.effect.yi ?? 0 < 0)  // relief higher on LDN: benefit, on the same side as lower pain
        #expect(gamma?.notes.contains { $0.contains("sign reversed") } == true)
        #expect(synthesis.benefit == .lower)
    }

    @Test("Refusals, each with its reason: paired crossover arms, no effect data, an effect without CI, preclinical")
    func refusalsSayWhy() {
        let paired = Outcome(measure: "pain", instrument: "NRS 0-10", direction: .improved, benefit: .lower,
                             arms: ArmPair(treatment: .continuous(mean: 3, spread: .sd(1), n: 10),
                                           control: .continuous(mean: 4, spread: .sd(1), n: 10)), crossover: .paired)
        let synthesis = EvidenceSynthesis.synthesize(pain, candidates: [
            Self.trial("x", author: "Cross", design: .crossoverRCT, outcomes: [paired]),
            Self.trial("y", author: "Plain", outcomes: [Outcome(measure: "pain", direction: .improved)]),
            Self.trial("z", author: "Bare", outcomes: [Outcome(measure: "pain", instrument: "NRS 0-10", direction: .improved, effect: Effect(type: .md, value: -1))]),
            Self.trial("m", author: "Mouse", design: .preclinical, outcomes: [Self.means(1, 2)]),
            Self.trial("a", author: "Alpha", outcomes: [Self.means(3, 4)]),
        ])
        let reasons = Dictionary(uniqueKeysWithValues: synthesis.excluded.map { ($0.key, $0.reason) })
        #expect(reasons["x"]?.contains("within-patient correlation") == true)
        #expect(reasons["y"]?.contains("without effect data") == true)
        #expect(reasons["z"]?.contains("without its 95% CI or SE") == true)
        #expect(reasons["m"]?.contains("preclinical") == true)
        #expect(synthesis.pooled == nil)
        #expect(synthesis.notPooled?.contains("only 1 study (Alpha 2020)") == true)
    }

    @Test("No effect data at all: no measure, no estimate, and a plain reason")
    func nothingToPool() {
        let synthesis = EvidenceSynthesis.synthesize(pain, candidates: [
            Self.trial("y", author: "Plain", outcomes: [Outcome(measure: "pain", direction: .improved)])])
        #expect(synthesis.measure == nil && synthesis.pooled == nil)
        #expect(synthesis.notPooled?.hasPrefix("no study has poolable data on pain in Fibromyalgia") == true)
    }

    @Test("An arm's SD from the 95% CI of its mean uses t with n − 1 degrees of freedom")
    func standardDeviationFromCI() throws {
        // Bruun 2024's LDN arm: mean change −1.3 (95% CI −1.7 to −0.8), n = 49; qt(0.975, 48) = 2.010634758.
        let (sd, note) = EvidenceSynthesis.standardDeviation(.ci(low: -1.7, high: -0.8), n: 49, arm: "treatment")
        let expected: Double = 7 * 0.9 / (2 * 2.010634758)
        #expect(abs(try #require(sd) - expected) < 1e-8)
        #expect(note?.contains("48 df") == true)
        #expect(EvidenceSynthesis.standardDeviation(.se(0.5), n: 16, arm: "control").sd == 2)
    }

    @Test("Several timepoints: the latest is used and the note says so; a timepoint asked for picks that one")
    func timepoints() {
        var early = Self.means(3, 4), late = Self.means(2, 4)
        early.timepointWeeks = 4
        late.timepointWeeks = 12
        let candidates = [Self.trial("a", author: "Alpha", outcomes: [early, late]), Self.trial("b", author: "Beta", outcomes: [Self.means(3, 4)])]
        let latest = EvidenceSynthesis.synthesize(pain, candidates: candidates)
        #expect(latest.included.first { $0.key == "a" }?.timepointWeeks == 12)
        #expect(latest.included.first { $0.key == "a" }?.notes.first?.contains("latest timepoint") == true)
        var atFour = pain
        atFour.timepointWeeks = 4
        #expect(EvidenceSynthesis.synthesize(atFour, candidates: candidates).included.map(\.key) == ["a"])
    }

    @Test("Without sensitivity analyses the headline is the same, and leave-one-out and subgroups are left out")
    func headlineWithoutSensitivity() {
        let candidates = [
            Self.trial("a", author: "Alpha", outcomes: [Self.responders(20, 50, 10, 50)]),
            Self.trial("b", author: "Beta", year: 2021, outcomes: [Self.responders(30, 60, 18, 60)]),
            Self.trial("c", author: "Gamma", year: 2022, design: .cohort, outcomes: [Self.responders(12, 40, 9, 40)]),
        ]
        let full = EvidenceSynthesis.synthesize(pain, candidates: candidates)
        let lean = EvidenceSynthesis.synthesize(pain, candidates: candidates, sensitivity: false)
        #expect(full.leaveOneOut.count == 3 && full.subgroups != nil)
        #expect(lean.leaveOneOut.isEmpty && lean.subgroups == nil)
        #expect(lean.headline == full.headline)
    }

    @Test("Labels that coincide get letters, as forest plots need distinct rows")
    func uniqueLabels() {
        #expect(StudySelection.uniqueLabels(["Younger 2013", "Smith 2011", "Younger 2013"]) == ["Younger 2013a", "Smith 2011", "Younger 2013b"])
    }

    @Test("A headline moves when k, the estimate, its CI or I² changes, not when a figure is equal")
    func headlineMoves() {
        let before = SynthesisHeadline(k: 3, measure: .rr, estimate: -0.2, ciLow: -0.4, ciHigh: 0.0, i2: 10)
        #expect(!before.moved(from: before))
        var after = before
        after.k = 4
        #expect(after.moved(from: before))
        after = before
        after.ciHigh = 0.01
        #expect(after.moved(from: before))
        after = before
        after.estimate = -0.2 * (1 + 1e-9)
        #expect(!after.moved(from: before))
    }
}
