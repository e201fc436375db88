import Foundation
import Testing
@testable import EvidenceModel

@Suite("Condition codes read from canonical JSON")
struct CanonicalScanTests {
    @Test("The feed's topics are the record's conditions, plain, escaped or not ASCII", arguments: [
        ["crohns"],
        ["fibromyalgia", "ms", "other:ibs"],
        [#"other:a "quoted" name"#, "crps"],
        [#"other:back\slash"#],
        ["other:maladie de café", "other:痛み"],
    ])
    func conditionsOfARecord(conditions: [String]) {
        let record = EvidenceRecord(title: #"A title with "conditions":["decoy"] inside"#, year: 2020,
                                    conditions: conditions, design: .rct)
        #expect(EvidenceRecord.conditionCodes(inCanonical: record.jsonData) == conditions)
    }

    @Test("Bytes that are not a canonical record give no codes, never a guess")
    func notCanonical() {
        #expect(EvidenceRecord.conditionCodes(inCanonical: Data(#"{"conditions":["a" "b"]}"#.utf8)) == [])
        #expect(EvidenceRecord.conditionCodes(inCanonical: Data(#"{"conditions":["a",]}"#.utf8)) == [])
        #expect(EvidenceRecord.conditionCodes(inCanonical: Data(#"{"conditions":["a"#.utf8)) == [])
        #expect(EvidenceRecord.conditionCodes(inCanonical: Data(#"{"title":"x"}"#.utf8)) == [])
        #expect(EvidenceRecord.conditionCodes(inCanonical: Data([0x7B]) + Data(#""conditions":[""#.utf8) + Data([0xC3, 0x28, 0x22, 0x5D])) == [])
    }
}
