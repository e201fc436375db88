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
