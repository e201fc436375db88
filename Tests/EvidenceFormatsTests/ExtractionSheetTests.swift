import EvidenceModel
import Foundation
import Testing
import WireProtocol
@testable import EvidenceFormats

/// Each problem of a read record as "field: message".
private func problems(_ record: SourceRecord) -> [String] { record.problems.map(\.description) }

/// The header every sheet below starts with: study columns, then outcome columns.
private let header = "title,year,doi,conditions,design,participants,outcome,direction,benefit,t_n,t_mean,t_sd,c_n,c_mean,c_sd"
/// A SYNTHETIC study's columns (DOI under the 10.5555 test prefix).
private let studyA = "SYNTHETIC sheet test A,2021,10.5555/ldn-sheet-test-a,fibromyalgia,rct,60"
private let studyB = "SYNTHETIC sheet test B,2022,10.5555/ldn-sheet-test-b,fibromyalgia,rct,40"

@Suite("Extraction sheets: effect data in CSV")
struct ExtractionSheetTests {
    // MARK: The example sheet

    @Test("examples/extraction-sheet.csv reads to four valid records with every form of effect data")
    func exampleSheet() throws {
        let contents = try SourceFile.read(path: repositoryFile("examples/extraction-sheet.csv"))
        #expect(contents.format == .csv)
        let read = contents.records
        #expect(read.map(\.provenance.line) == [2, 4, 5, 6], "one record per study, at its first row")
        #expect(read.allSatisfy { $0.problems.isEmpty }, "\(read.flatMap(\.problems))")
        let evaluations = read.map { RecordIntake.evaluate($0.json) }
        #expect(evaluations.allSatisfy { $0.errors.isEmpty && $0.warnings.isEmpty },
                "\(evaluations.map { $0.errors + $0.warnings })")
        let records = evaluations.compactMap(\.record)
        try #require(records.count == 4)
        for record in records {
            #expect(record.title.hasPrefix("SYNTHETIC") && record.summary?.hasPrefix("SYNTHETIC") == true
                    && record.source?.hasPrefix("SYNTHETIC") == true, "labelled: \(record.title)")
        }

        // A: means with SDs, then a continuation row of responders.
        let a = records[0]
        #expect(a.outcomes.map(\.measure) == ["pain", "symptoms"])
        #expect(a.outcomes[0].arms == ArmPair(treatment: .continuous(mean: 4.1, spread: .sd(1.9), n: 30),
                                              control: .continuous(mean: 5.0, spread: .sd(2.0), n: 31)))
        #expect(a.outcomes[1].arms == ArmPair(treatment: .binary(events: 12, total: 30), control: .binary(events: 5, total: 31)))
        #expect(a.outcomes.map(\.benefit) == [.lower, .higher] && a.outcomes.allSatisfy { $0.timepointWeeks == 12 })
        #expect(read[0].notes.map(\.text) == ["one record from the rows on lines 2, 3 (2 outcomes from the outcome columns)"])

        // B: a crossover trial's paired changes with SEs, and the paired difference.
        let b = records[1]
        #expect(b.design == .crossoverRCT && b.outcomes.count == 1)
        #expect(b.outcomes[0].crossover == .paired && b.outcomes[0].changeFromBaseline)
        #expect(b.outcomes[0].arms?.treatment == .continuous(mean: -1.2, spread: .se(0.3), n: 20))
        #expect(b.outcomes[0].effect == Effect(type: .md, value: -0.7, ciLow: -1.3, ciHigh: -0.1, p: 0.02))

        // C: each arm's mean change with the CI of that mean.
        #expect(records[2].outcomes[0].arms?.control == .continuous(mean: -0.8, spread: .ci(low: -1.4, high: -0.2), n: 40))
        #expect(records[2].outcomes[0].direction == .noDifference)

        // D: reported effects only, on rows that repeat the study's columns.
        let d = records[3]
        #expect(d.outcomes.map(\.effect) == [Effect(type: .smd, value: -0.45, se: 0.2),
                                            Effect(type: .rr, value: 1.6, ciLow: 1.1, ciHigh: 2.3)])
        #expect(d.outcomes.allSatisfy { $0.arms == nil && $0.nTreatment == 50 && $0.nControl == 50 })
        #expect(records.flatMap(\.outcomes).allSatisfy { $0.hasEffectData })
    }

    @Test("The example sheet's records, exported as CSV, read back as the same records")
    func exampleSheetRoundTrip() throws {
        let records = try SourceFile.read(path: repositoryFile("examples/extraction-sheet.csv")).records
            .compactMap { RecordIntake.evaluate($0.json).record }
        let exported = try scratchFile(CSVRecords.table(records.map(\.json)), name: "export.csv")
        let back = try SourceFile.read(path: exported).records.map { RecordIntake.evaluate($0.json).record }
        #expect(back == records)
    }

    // MARK: Which rows make one study

    @Test("Rows with the same DOI, or with the study columns left empty, are one record; others are their own")
    func grouping() throws {
        let path = try scratchFile("""
            \(header)
            \(studyA),pain,improved,lower,30,4.1,1.9,30,5.0,2.0
            ,,,,,,fatigue,improved,lower,30,3.0,1.0,30,3.5,1.1
            \(studyB),pain,no-difference,lower,20,4.0,2.0,20,4.2,2.1
            SYNTHETIC sheet test A,2021,10.5555/LDN-SHEET-TEST-A,,,,sleep,improved,higher,30,6.0,1.0,30,5.5,1.2

            """)
        let read = try SourceFile.read(path: path).records
        #expect(read.map(\.provenance.line) == [2, 4])
        #expect(read.map(\.provenance.recordNumber) == [1, 2])
        let records = read.compactMap { RecordIntake.evaluate($0.json).record }
        #expect(records.map { $0.outcomes.map(\.measure) } == [["pain", "fatigue", "sleep"], ["pain"]])
        #expect(records.map(\.participants) == [60, 40])
    }

    @Test("A study's columns that differ between its rows are an error naming the line and column")
    func conflictingStudyColumns() throws {
        let path = try scratchFile("""
            \(header)
            \(studyA),pain,improved,lower,30,4.1,1.9,30,5.0,2.0
            SYNTHETIC sheet test A,2021,10.5555/ldn-sheet-test-a,fibromyalgia,rct,62,fatigue,improved,lower,30,3.0,1.0,30,3.5,1.1

            """)
        let read = try SourceFile.read(path: path).records
        #expect(read.count == 1)
        #expect(problems(read[0]) == [
            "participants on line 3: \"62\" differs from \"60\" on line 2: the rows of one study must agree, or leave the cell empty"])
    }

    // MARK: Cells

    @Test("A cell that is not a number is an error naming its line and column", arguments: [
        ("abc", "t_sd on line 3: expected a number, found \"abc\""),
        ("1,5", "t_sd on line 3: expected a number, found \"1,5\" (write decimals with a point)"),
        ("<0.5", "t_sd on line 3: expected a number, found \"<0.5\": a bound is not a value; leave the cell empty and say it in the summary"),
    ])
    func notANumber(cell: String, message: String) throws {
        let path = try scratchFile("""
            \(header)
            \(studyA),pain,improved,lower,30,4.1,1.9,30,5.0,2.0
            ,,,,,,fatigue,improved,lower,30,3.0,"\(cell)",30,3.5,1.1

            """)
        let read = try SourceFile.read(path: path).records
        #expect(read.count == 1 && problems(read[0]) == [message])
    }

    @Test("Intake's rules on a row's outcome come back naming the row and column", arguments: [
        ("30,4.1,0,30,5.0,2.0", "t_sd on line 3: must be above 0, found 0.0"),
        ("30,4.1,1.9,30.5,5.0,2.0", "c_n on line 3: expected a whole number, found 30.5"),
        ("30,4.1,1.9,,,", "c_… columns on line 3: is required"),
    ])
    func intakeRulesLocated(arms: String, message: String) throws {
        let path = try scratchFile("""
            \(header)
            \(studyB),pain,no-difference,lower,20,4.0,2.0,20,4.2,2.1
            \(studyA),fatigue,improved,lower,\(arms)

            """)
        let read = try SourceFile.read(path: path).records
        #expect(read.count == 2)
        #expect(read[0].problems.isEmpty)
        #expect(problems(read[1]) == [message])
    }

    @Test("Mixed arms, a missing benefit and a bad direction are located too; the outcomes column comes first")
    func wholeOutcomeProblems() throws {
        let path = try scratchFile("""
            title,year,conditions,design,outcomes,outcome,direction,benefit,t_events,t_total,c_n,c_mean,c_sd,effect_type,effect_value,effect_p
            SYNTHETIC sheet test C,2020,fibromyalgia,rct,"[{""measure"": ""pain"", ""direction"": ""improved""}]",pain,improved,lower,3,30,30,4.0,1.0,,,
            ,,,,,fatigue,better,,,,,,,MD,-0.5,1.5

            """)
        let read = try SourceFile.read(path: path).records
        #expect(read.count == 1)
        #expect(Set(problems(read[0])) == [
            "t_… and c_… columns on line 2: treatment and control must both be binary (events, total) or both continuous (n, mean, …)",
            "direction on line 3: \"better\" is not one of: improved, no-difference, worsened, mixed",
            "effect_p on line 3: must be between 0 and 1, found 1.5",
        ])
    }

    @Test("change_from_baseline takes true/false, yes/no, 1/0; anything else is an error")
    func flags() throws {
        let path = try scratchFile("""
            title,year,conditions,design,outcome,direction,benefit,change_from_baseline,t_n,t_mean,t_se,c_n,c_mean,c_se
            SYNTHETIC sheet test D,2020,fibromyalgia,rct,pain,improved,lower,Yes,20,−1.2,0.3,20,−0.5,0.3
            SYNTHETIC sheet test E,2020,fibromyalgia,rct,pain,improved,lower,maybe,20,-1.2,0.3,20,-0.5,0.3

            """)
        let read = try SourceFile.read(path: path).records
        let first = try #require(RecordIntake.evaluate(read[0].json).record?.outcomes.first)
        #expect(first.changeFromBaseline)
        #expect(first.arms?.treatment == .continuous(mean: -1.2, spread: .se(0.3), n: 20), "the minus sign U+2212 reads as -")
        #expect(problems(read[1]) == ["change_from_baseline on line 3: expected true or false (yes/no, 1/0), found \"maybe\""])
    }

    @Test("A study with thousands of bad rows gets a bounded list of problems", .timeLimit(.minutes(1)))
    func boundedProblems() throws {
        let bad = String(repeating: ",,,,,,pain,improved,lower,20,x,1,20,4,1\n", count: 5000)
        let path = try scratchFile("\(header)\n\(studyA),pain,improved,lower,30,4.1,1.9,30,5.0,2.0\n" + bad)
        let read = try SourceFile.read(path: path).records
        #expect(read.count == 1)
        #expect(read[0].problems.count == 101)
        #expect(read[0].problems.last?.message == "more problems; only the first 100 are listed")
    }

    // MARK: Sheets without outcome columns

    @Test("A sheet without outcome columns still makes one record per row; blank rows are skipped")
    func recordSheet() throws {
        let path = try scratchFile("""
            title,year,conditions,design,outcomes
            SYNTHETIC sheet test F,2020,ms,rct,"[{""measure"": ""fatigue"", ""direction"": ""improved""}]"
            ,,,,
            SYNTHETIC sheet test G,2021,ms,rct,

            """)
        let read = try SourceFile.read(path: path).records
        #expect(read.map(\.provenance.line) == [2, 4])
        #expect(read.allSatisfy { $0.problems.isEmpty && $0.notes.isEmpty })
        let records = read.compactMap { RecordIntake.evaluate($0.json).record }
        #expect(records.map(\.outcomes.count) == [1, 0])
    }

    @Test("The header names every column it does not know, among record and outcome columns")
    func unknownOutcomeColumn() throws {
        let path = try scratchFile("title,year,conditions,design,t_mena,efect_type\nA,2020,ms,rct,1,MD\n")
        #expect { try SourceFile.read(path: path) } throws: { error in
            "\(error)".contains(#"unknown columns "t_mena" (did you mean "t_mean"?), "efect_type" (did you mean "effect_type"?)"#)
        }
    }
}
