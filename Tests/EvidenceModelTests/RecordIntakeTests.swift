import Foundation
import Testing
@testable import EvidenceModel

/// A valid record in the documented JSON form; tests change one thing at a time.
func sampleJSON(_ changes: [String: JSONValue] = [:]) -> JSONValue {
    var members: [(key: String, value: JSONValue)] = [
        ("title", "  Low-dose naltrexone therapy   improves active Crohn's disease. "),
        ("year", 2007),
        ("authors", ["Smith JP", "Stock H"]),
        ("journal", "Am J Gastroenterol"),
        ("identifiers", ["doi": "https://doi.org/10.1111/J.1572-0241.2007.01045.X", "pmid": "17222320"]),
        ("conditions", ["Crohn disease"]),
        ("design", "open-label"),
        ("participants", 17),
        ("dose_mg", 4.5),
        ("duration_weeks", 12),
        ("outcomes", [["measure": "CDAI", "direction": "improved",
                       "effect": ["type": "proportion", "value": 0.89]]]),
    ]
    for (key, value) in changes.sorted(by: { $0.key < $1.key }) {
        if let index = members.firstIndex(where: { $0.key == key }) {
            if value == .null { members.remove(at: index) } else { members[index].value = value }
        } else {
            members.append((key, value))
        }
    }
    return .object(members)
}

@Suite("Record intake: validation and normalisation")
struct RecordIntakeTests {
    @Test("A valid record is accepted and normalised")
    func acceptsAndNormalises() throws {
        let evaluation = RecordIntake.evaluate(sampleJSON())
        let record = try #require(evaluation.record, "\(evaluation.errors)")
        #expect(evaluation.errors.isEmpty)
        #expect(record.title == "Low-dose naltrexone therapy improves active Crohn's disease.")
        #expect(record.identifiers.doi == "10.1111/j.1572-0241.2007.01045.x")
        #expect(record.conditions == ["crohns"])
        #expect(record.outcomes.first?.measure == "disease-activity")
        #expect(record.certainty == .veryLow, "open-label starts low; 17 participants is imprecise")
    }

    @Test("Every problem is reported, each with its field path")
    func reportsEveryProblem() {
        let json = sampleJSON([
            "title": .null,
            "titel": "typo",
            "year": 1850,
            "design": "trial",
            "identifiers": ["doi": "doi:abc", "pmid": "12a", "nct": "nct123"],
            "participants": -5,
            "dose_mg": 500,
            "outcomes": [
                ["measure": "pain", "direction": "improved"],
                ["measure": "pain", "direction": "better",
                 "effect": ["type": "SMD", "value": -0.5, "ci_low": -0.2, "ci_high": 0.1, "p": 1.5]],
            ],
        ])
        let evaluation = RecordIntake.evaluate(json)
        #expect(evaluation.record == nil)
        let fields = Set(evaluation.errors.map(\.field))
        #expect(fields == ["title", "titel", "year", "design", "identifiers.doi", "identifiers.pmid",
                           "identifiers.nct", "participants", "dose_mg", "outcomes[1].direction",
                           "outcomes[1].effect.ci_low", "outcomes[1].effect.p"])
        #expect(evaluation.errors.count == fields.count, "one message per problem: \(evaluation.errors)")
        let messages = Dictionary(evaluation.errors.map { ($0.field, $0.message) }, uniquingKeysWith: { a, _ in a })
        #expect(messages["titel"] == "unknown field (did you mean \"title\"?)")
        #expect(messages["identifiers.nct"] == "\"NCT123\" is not a ClinicalTrials.gov id (expected NCT and 8 digits)")
        #expect(messages["dose_mg"]?.contains("not low-dose naltrexone") == true)
        #expect(messages["outcomes[1].effect.ci_low"] == "ci_low (-0.2) is above the value (-0.5)")
    }

    @Test("A dose above 10 mg is a warning, not an error; above 50 mg or at 0 it is an error")
    func doseRules() {
        let high = RecordIntake.evaluate(sampleJSON(["dose_mg": 12]))
        #expect(high.isValid)
        #expect(high.warnings.map(\.field) == ["dose_mg"])
        #expect(!RecordIntake.evaluate(sampleJSON(["dose_mg": 50.5])).isValid)
        #expect(!RecordIntake.evaluate(sampleJSON(["dose_mg": 0])).isValid)
        #expect(RecordIntake.evaluate(sampleJSON(["dose_mg": 50])).isValid)
    }

    @Test("Types are checked: strings, whole numbers, arrays, objects")
    func typeErrors() {
        let evaluation = RecordIntake.evaluate(sampleJSON([
            "year": "2007", "participants": 17.5, "conditions": [3], "outcomes": "pain", "identifiers": ["x"],
        ]))
        let messages = evaluation.errors.map(\.description)
        #expect(messages.contains("year: expected a number, found a string"))
        #expect(messages.contains("participants: expected a whole number, found 17.5"))
        #expect(messages.contains("conditions[0]: expected a string, found a number"))
        #expect(messages.contains("outcomes: expected an array, found a string"))
        #expect(messages.contains("identifiers: expected an object, found an array"))
    }

    @Test("Required fields: missing, blank and empty are errors")
    func requiredFields() {
        let evaluation = RecordIntake.evaluate(sampleJSON(["title": "   ", "year": .null, "conditions": [], "design": .null]))
        #expect(Set(evaluation.errors.map(\.description)) == [
            "title: is required and must not be blank", "year: is required",
            "conditions: at least one condition is required", "design: is required",
        ])
    }

    @Test("Effect rules: ratios above 0, proportions within 0–1, ci_low ≤ ci_high")
    func effectRules() {
        func errors(_ effect: JSONValue) -> [String] {
            let json = sampleJSON(["outcomes": [["measure": "pain", "direction": "improved", "effect": effect]]])
            return RecordIntake.evaluate(json).errors.map(\.description)
        }
        #expect(errors(["type": "RR", "value": 0]) == ["outcomes[0].effect.value: a RR is a ratio and must be above 0, found 0.0"])
        #expect(errors(["type": "proportion", "value": 1.2]).count == 1)
        #expect(errors(["type": "MD", "value": 1, "ci_low": 2, "ci_high": 0]) == [
            "outcomes[0].effect.ci_low: ci_low (2.0) is above ci_high (0.0)"])
        #expect(errors(["type": "OR", "value": 2.1, "ci_low": 1.2, "ci_high": 3.4, "p": 0.01]).isEmpty)
        #expect(errors(["value": 1]) == ["outcomes[0].effect.type: is required"])
    }

    @Test("Identifiers are normalised: resolver prefixes, case, whitespace")
    func identifierNormalisation() throws {
        let json = sampleJSON(["identifiers": ["doi": " DOI:10.1002/ANA.22006 ", "pmid": " PMID: 20695007", "nct": " nct00568555"]])
        let record = try #require(RecordIntake.evaluate(json).record)
        #expect(record.identifiers == Identifiers(doi: "10.1002/ana.22006", pmid: "20695007", nct: "NCT00568555"))
    }

    @Test("Enumerations match ignoring case and separators")
    func enumerationMatching() throws {
        let record = try #require(RecordIntake.evaluate(sampleJSON(["design": "Crossover RCT", "certainty": "Very Low"])).record)
        #expect(record.design == .crossoverRCT)
        #expect(record.certainty == .veryLow)
    }

    @Test("Invalid JSON text is one problem naming line and column")
    func invalidJSON() {
        let evaluation = RecordIntake.evaluate(Data("{\"title\": \"x\",\n \"year\": }".utf8))
        #expect(evaluation.errors.map(\.description) == ["invalid JSON: unexpected character '}' at line 2, column 10"])
    }

    @Test("The JSON form reads back to an equal record, also through Codable")
    func roundTrip() throws {
        let record = try #require(RecordIntake.evaluate(sampleJSON(["certainty": "moderate", "summary": "Para 1.\n\nPara 2."])).record)
        #expect(RecordIntake.evaluate(record.json).record == record)
        #expect(RecordIntake.evaluate(record.jsonData).record == record)
        let data = try JSONEncoder().encode(record)
        #expect(try JSONDecoder().decode(EvidenceRecord.self, from: data) == record)
        #expect(record.jsonData == RecordIntake.evaluate(record.jsonData).record?.jsonData, "normalising twice changes nothing")
    }

    @Test("A record without identifiers is accepted with a warning about deduplication")
    func noIdentifiers() {
        let evaluation = RecordIntake.evaluate(sampleJSON(["identifiers": .null]))
        #expect(evaluation.isValid)
        #expect(evaluation.warnings.map(\.field) == ["identifiers"])
    }

    @Test("Mistyped fields are rejected with their path, never coerced: a lone string is not a list, a number is not a PMID")
    func mistypedFields() {
        let evaluation = RecordIntake.evaluate(sampleJSON([
            "authors": "Smith JP, Stock H", "conditions": "me-cfs", "adverse_events": "vivid dreams",
            "identifiers": ["pmid": 17222320],
        ]))
        #expect(evaluation.record == nil)
        let messages = Dictionary(evaluation.errors.map { ($0.field, $0.message) }, uniquingKeysWith: { a, _ in a })
        #expect(messages["authors"] == "expected an array of strings, found a string")
        #expect(messages["conditions"] == "expected an array of strings, found a string")
        #expect(messages["adverse_events"] == "expected an array of strings, found a string")
        #expect(messages["identifiers.pmid"] == "expected a string, found a number")
    }

    @Test("Numbers at and past every integer limit are errors naming the field, never a trap", arguments: [
        "1e19", "1e300", "-1e19", "9223372036854775808", "9223372036854775807", "-9223372036854775808", "-9223372036854775809", "2.5",
    ])
    func integerLimits(number: String) throws {
        let text = #"{"title":"x","year":\#(number),"conditions":["ms"],"design":"rct","participants":\#(number),"#
            + #""outcomes":[{"measure":"pain","direction":"improved","n_treatment":\#(number),"n_control":\#(number)}]}"#
        let evaluation = RecordIntake.evaluate(Data(text.utf8))
        #expect(evaluation.record == nil)
        #expect(Set(evaluation.errors.map(\.field)).isSuperset(of: ["year", "participants", "outcomes[0].n_treatment"]))
    }

    @Test("A record with thousands of unknown members gets a bounded list of errors")
    func boundedProblems() {
        let members = (0..<20_000).map { (key: "field\($0)", value: JSONValue.number(1)) }
        let evaluation = RecordIntake.evaluate(.object(members))
        #expect(evaluation.errors.count == FieldReader.maximumProblems + 1)
        #expect(evaluation.errors.last?.message == "more problems; only the first 100 are listed")
    }
}
