import Foundation
import Testing
@testable import EvidenceModel

@Suite("The bundled dataset (data/ldn-evidence.jsonl)")
struct BundledDatasetTests {
    static let lines: [String] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("data/ldn-evidence.jsonl")
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }()

    @Test("Every record validates, with no warning but the known ones")
    func everyRecordValidates() throws {
        #expect(Self.lines.count == 24)
        for (index, line) in Self.lines.enumerated() {
            let evaluation = RecordIntake.evaluate(Data(line.utf8))
            #expect(evaluation.isValid, "line \(index + 1): \(evaluation.errors)")
            let unexpected = evaluation.warnings.filter { $0.field != "identifiers" && !$0.field.hasPrefix("conditions") }
            #expect(unexpected.isEmpty, "line \(index + 1): \(unexpected)")
        }
    }

    @Test("No two records share a dedup key, a DOI or a PMID")
    func distinct() throws {
        let records = Self.lines.compactMap { RecordIntake.evaluate(Data($0.utf8)).record }
        #expect(Set(records.map(\.dedupKey)).count == records.count)
        let dois = records.compactMap(\.identifiers.doi), pmids = records.compactMap(\.identifiers.pmid)
        #expect(Set(dois).count == dois.count && Set(pmids).count == pmids.count)
    }

    @Test("Identifiers are well formed and conditions map to the vocabulary")
    func identifiersAndConditions() throws {
        let records = Self.lines.compactMap { RecordIntake.evaluate(Data($0.utf8)).record }
        let codes = Set(records.flatMap(\.conditions))
        #expect(codes.isSuperset(of: ["crohns", "ulcerative-colitis", "ibd", "ms", "fibromyalgia", "crps", "chronic-pain", "long-covid"]))
        #expect(records.filter { $0.identifiers.isEmpty }.count == 1, "only Sharafaddinzadeh 2010 has no identifier in the reference list")
    }
}

@Suite("The bundled dataset's effect data (the reference list's \"Effect data for synthesis\" only)")
struct BundledEffectDataTests {
    static let records = BundledDatasetTests.lines.compactMap { RecordIntake.evaluate(Data($0.utf8)).record }

    static func record(_ pmid: String) throws -> EvidenceRecord {
        try #require(records.first { $0.identifiers.pmid == pmid }, "PMID \(pmid)")
    }

    @Test("Only Bruun 2024 and Vatvani 2024 carry effect data; only Bruun has arms")
    func whichRecords() {
        let withData = Self.records.filter { $0.outcomes.contains(where: \.hasEffectData) }
        #expect(withData.map(\.identifiers.pmid) == ["38258677", "39344363"])
        #expect(Self.records.filter { $0.outcomes.contains { $0.arms != nil } }.map(\.identifiers.pmid) == ["38258677"])
    }

    @Test("Bruun 2024: each arm's mean change with its 95% CI, the between-group MD, week 12, NRS 0-10, lower is better")
    func bruun() throws {
        let record = try Self.record("38258677")
        #expect(record.outcomes.count == 1)
        let pain = record.outcomes[0]
        #expect(pain.measure == "pain" && pain.direction == .noDifference)
        #expect(pain.arms == ArmPair(treatment: .continuous(mean: -1.3, spread: .ci(low: -1.7, high: -0.8), n: 49),
                                     control: .continuous(mean: -0.9, spread: .ci(low: -1.4, high: -0.5), n: 50)))
        #expect(pain.changeFromBaseline && pain.benefit == .lower && pain.timepointWeeks == 12)
        #expect(pain.instrument?.hasPrefix("NRS 0-10") == true)
        #expect(pain.effect == Effect(type: .md, value: -0.34, ciLow: -0.95, ciHigh: 0.27, p: 0.27))
        #expect(pain.nTreatment == 49 && pain.nControl == 50 && record.participants == 99)
        #expect(pain.crossover == nil && record.design == .rct)
    }

    @Test("Vatvani 2024: the two pooled mean differences with their CIs; p given only as a bound is left out")
    func vatvani() throws {
        let record = try Self.record("39344363")
        #expect(record.design == .metaAnalysis && record.participants == 222)
        #expect(record.outcomes.map(\.measure) == ["pain", "pressure-pain-threshold"])
        #expect(record.outcomes.map(\.effect) == [Effect(type: .md, value: -0.86, ciLow: -1.2, ciHigh: -0.51),
                                                 Effect(type: .md, value: 0.17, ciLow: 0.08, ciHigh: 0.25)])
        #expect(record.outcomes.map(\.benefit) == [.lower, .higher])
        #expect(record.outcomes.allSatisfy { $0.arms == nil && $0.direction == .improved })
    }

    @Test("Smith 2011, Younger 2013 and Cree 2010 have no arm data and no poolable effect")
    func notPoolable() throws {
        let smith = try Self.record("21380937"), cree = try Self.record("20695007")
        let younger = try #require(Self.records.first { $0.identifiers.nct == "NCT00568555" })
        for record in [smith, younger, cree] {
            #expect(record.outcomes.allSatisfy { $0.arms == nil && !$0.hasEffectData }, "\(record.title)")
        }
    }
}
