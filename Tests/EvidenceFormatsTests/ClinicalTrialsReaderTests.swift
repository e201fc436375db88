import EvidenceModel
import Foundation
import Testing

@testable import EvidenceFormats

@Suite("ClinicalTrials.gov API v2 reader")
struct ClinicalTrialsReaderTests {
    // MARK: The fixtures: real registry studies, facts from the reference list only

    @Test func readsOneStudyAsTheAPIReturnsIt() throws {
        let text = try FixtureFiles.text("ctgov-study.json")
        let citations = try ClinicalTrialsReader.read(text)

        let study = try #require(citations.first)
        #expect(citations.count == 1)
        #expect(study.nct == "NCT04270877")
        #expect(study.title == "Naltrexone 6 mg once daily versus placebo in women with fibromyalgia: a randomised, double-blind, placebo-controlled trial")
        #expect(study.url == "https://clinicaltrials.gov/study/NCT04270877")
        #expect(study.abstract?.hasPrefix("Women with fibromyalgia took naltrexone 6 mg") == true)
        #expect(study.subjects == ["Fibromyalgia"])
        #expect(study.registry == RegistryDesign(studyType: "INTERVENTIONAL", allocation: "RANDOMIZED",
                                                 interventionModel: "PARALLEL", masking: "DOUBLE"))
        #expect(study.participants == 99)
        #expect(study.comparator == "placebo", "the FINAL trial's second intervention is a placebo")
        #expect(study.publicationTypes == [ClinicalTrialsReader.publicationType])
        #expect(study.authors.isEmpty)
        #expect(study.year == nil)  // the fixture has no dates: the list gives none
        #expect(study.doi == nil && study.pmid == nil && study.journal == nil)
        #expect(study.line == 1)
        #expect(study.original == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func listsWhatACitationCannotCarry() throws {
        let study = try #require(try ClinicalTrialsReader.read(FixtureFiles.text("ctgov-study.json")).first)
        #expect(study.dropped == [
            DroppedField(tag: "protocolSection.identificationModule.acronym", reason: "a citation has no field for it"),
            DroppedField(tag: "protocolSection.armsInterventionsModule",
                         reason: "doses and arm details are not read (only whether there is a placebo or active comparator)"),
            DroppedField(tag: "protocolSection.contactsLocationsModule.locations", reason: "a citation has no field for it"),
        ])
    }

    @Test func readsASearchPageWithEachStudysLineAndText() throws {
        let text = try FixtureFiles.text("ctgov-studies.json")
        let citations = try ClinicalTrialsReader.read(text)

        #expect(citations.map(\.nct) == ["NCT00568555", "NCT04270877"])
        #expect(citations.map(\.line) == [3, 31])
        let younger = try #require(citations.first)
        #expect(younger.registry?.interventionModel == "CROSSOVER")
        #expect(younger.participants == 31)
        for citation in citations {
            #expect(citation.original.hasPrefix("{") && citation.original.hasSuffix("}"))
            #expect(text.contains(citation.original))
            // The slice is the study alone: read by itself, it gives the same citation.
            var alone = try #require(try ClinicalTrialsReader.read(citation.original).first)
            #expect(alone.line == 1)
            alone.line = citation.line
            #expect(alone == citation)
        }
        #expect(!citations[0].original.contains("NCT04270877"))
    }

    @Test func aPageAndASingleStudyGiveTheSameCitation() throws {
        let single = try #require(try ClinicalTrialsReader.read(FixtureFiles.text("ctgov-study.json")).first)
        var fromPage = try #require(try ClinicalTrialsReader.read(FixtureFiles.text("ctgov-studies.json")).last)
        fromPage.line = single.line
        fromPage.original = single.original
        #expect(fromPage == single)
    }

    @Test func readsATopLevelArrayOfStudies() throws {
        let study = try FixtureFiles.text("ctgov-study.json")
        let citations = try ClinicalTrialsReader.read("[\n" + study + ",\n" + study + "]\n")
        #expect(citations.map(\.nct) == ["NCT04270877", "NCT04270877"])
        // "[" is line 1, the 40-line study lines 2–41 and its comma line 42.
        #expect(citations.map(\.line) == [2, 43])
        #expect(citations.map(\.original) == Array(repeating: study.trimmingCharacters(in: .whitespacesAndNewlines), count: 2))
    }

    // MARK: SYNTHETIC studies: NCT00000000 is no real trial; its title, dates, status, officials
    // and enrollment exist only to exercise the reader.

    private static func synthetic(_ modules: String) -> String {
        """
        {"protocolSection": {"identificationModule": {"nctId": "NCT00000000", "briefTitle": "Synthetic study"}\(modules)}}
        """
    }

    @Test(arguments: [
        (start: "2013-05", firstSubmitted: nil, year: 2013),
        (start: "2013-05-15", firstSubmitted: nil, year: 2013),
        (start: "2013", firstSubmitted: "2012-11-30", year: 2013),
        (start: nil, firstSubmitted: "2012-11-30", year: 2012),
        (start: "May 2013", firstSubmitted: nil, year: nil),
    ] as [(start: String?, firstSubmitted: String?, year: Int?)])
    func yearIsTheStartDatesElseTheFirstSubmission(start: String?, firstSubmitted: String?, year: Int?) throws {
        let members = [start.map { "\"startDateStruct\": {\"date\": \"\($0)\", \"type\": \"ACTUAL\"}" },
                       firstSubmitted.map { "\"studyFirstSubmitDate\": \"\($0)\"" }].compactMap { $0 }
        let text = Self.synthetic(", \"statusModule\": {\(members.joined(separator: ", "))}")
        let study = try #require(try ClinicalTrialsReader.read(text).first)
        #expect(study.year == year)
        #expect(study.dropped.isEmpty)  // the date the year did not come from is no loss
    }

    @Test func estimatedEnrollmentIsNotAParticipantCount() throws {
        let text = Self.synthetic(", \"designModule\": {\"enrollmentInfo\": {\"count\": 40, \"type\": \"ESTIMATED\"}}")
        let study = try #require(try ClinicalTrialsReader.read(text).first)
        #expect(study.participants == nil)
        #expect(study.registry == nil)
        #expect(study.dropped == [DroppedField(tag: "protocolSection.designModule.enrollmentInfo",
                                               reason: "enrollment is an estimate")])
    }

    @Test func observationalDesignAndPhasesAreKept() throws {
        let text = Self.synthetic("""
            , "designModule": {"studyType": "OBSERVATIONAL", "phases": ["NA"],
              "designInfo": {"observationalModel": "COHORT", "timePerspective": "RETROSPECTIVE"}}
            """)
        let study = try #require(try ClinicalTrialsReader.read(text).first)
        #expect(study.registry == RegistryDesign(studyType: "OBSERVATIONAL", observationalModel: "COHORT", phases: ["NA"]))
        #expect(study.dropped.map(\.tag) == ["protocolSection.designModule.designInfo.timePerspective"])
    }

    @Test func keywordsJoinConditionsAsSubjects() throws {
        let text = Self.synthetic("""
            , "conditionsModule": {"conditions": ["Fibromyalgia"], "keywords": ["low-dose naltrexone", "Fibromyalgia"]}
            """)
        let study = try #require(try ClinicalTrialsReader.read(text).first)
        #expect(study.subjects == ["Fibromyalgia", "low-dose naltrexone"])
    }

    @Test func officialTitleStandsInForAMissingBriefTitle() throws {
        let withoutBrief = """
            {"protocolSection": {"identificationModule": {"nctId": "NCT00000000", "officialTitle": "Synthetic official title"}}}
            """
        let study = try #require(try ClinicalTrialsReader.read(withoutBrief).first)
        #expect(study.title == "Synthetic official title")
        #expect(study.dropped.isEmpty)

        let withBoth = """
            {"protocolSection": {"identificationModule": {"nctId": "NCT00000000", "briefTitle": "Synthetic study",
              "officialTitle": "Synthetic official title"}}}
            """
        let both = try #require(try ClinicalTrialsReader.read(withBoth).first)
        #expect(both.title == "Synthetic study")
        #expect(both.dropped.map(\.tag) == ["protocolSection.identificationModule.officialTitle"])
    }

    @Test func statusOfficialsLinkedPapersAndResultsAreDroppedWithAReason() throws {
        // The PMID is the reference list's Bruun 2024 paper, linked to the synthetic study only
        // to exercise the drop.
        let text = """
            {"protocolSection": {"identificationModule": {"nctId": "NCT00000000", "briefTitle": "Synthetic study"},
              "statusModule": {"overallStatus": "COMPLETED"},
              "contactsLocationsModule": {"overallOfficials": [{"name": "Synthetic Official", "role": "PRINCIPAL_INVESTIGATOR"}]},
              "referencesModule": {"references": [{"pmid": "38258677", "type": "RESULT"}, {"citation": "Synthetic reference"}]}},
             "hasResults": true,
             "resultsSection": {}}
            """
        let study = try #require(try ClinicalTrialsReader.read(text).first)
        #expect(study.authors.isEmpty)
        #expect(study.pmid == nil)
        #expect(study.dropped == [
            DroppedField(tag: "protocolSection.statusModule.overallStatus",
                         reason: "recruitment status describes the registration, not the evidence"),
            DroppedField(tag: "protocolSection.contactsLocationsModule.overallOfficials",
                         reason: "registries name officials, not authors"),
            DroppedField(tag: "resultsSection", reason: "posted results are not read; outcomes come from the paper"),
            DroppedField(tag: "protocolSection.referencesModule.references",
                         reason: "linked publication PMID 38258677: submit the paper itself"),
            DroppedField(tag: "protocolSection.referencesModule.references", reason: "linked publication without a PMID"),
        ])
    }

    @Test func keysWithEscapesAndStringsWithBracketsKeepTheSpansRight() throws {
        // "\u0073tudies" is "studies"; the brackets and quotes inside strings must not end a study early.
        let text = """
            {"note": "} ] \\" {", "\\u0073tudies": [
              {"protocolSection": {"identificationModule": {"nctId": "NCT00000000", "briefTitle": "Synthetic ]} study \\""}}},
              {"protocolSection": {"identificationModule": {"nctId": "NCT00000000", "briefTitle": "Synthetic study"}}}
            ]}
            """
        let citations = try ClinicalTrialsReader.read(text)
        #expect(citations.map(\.line) == [2, 3])
        #expect(citations.map(\.title) == ["Synthetic ]} study \"", "Synthetic study"])
        #expect(citations[0].original.hasSuffix("\"}}}"))
        #expect(citations[1].original.hasSuffix("\"Synthetic study\"}}}"))
    }

    @Test func windowsLineEndsAndAByteOrderMarkDoNotShiftLines() throws {
        let page = "{\r\n\"studies\": [\r\n" + Self.synthetic("") + ",\r\n" + Self.synthetic("") + "\r\n]}\r\n"
        #expect(try ClinicalTrialsReader.read(page).map(\.line) == [3, 4])

        let marked = try #require(try ClinicalTrialsReader.read("\u{FEFF}" + Self.synthetic("")).first)
        #expect(marked.line == 1)
        #expect(marked.original == Self.synthetic(""))
    }

    // MARK: Errors

    @Test func invalidJSONReportsTheParsersLine() {
        let text = "{\"studies\": [\n  {\"protocolSection\": {}},\n  {,}\n]}"
        #expect {
            try ClinicalTrialsReader.read(text)
        } throws: { error in
            let error = error as? BibliographicSyntaxError
            return error?.line == 3 && error?.message.hasPrefix("invalid JSON: ") == true
        }
    }

    @Test func aStudyWithoutAnNCTNumberIsNamedByItsPlace() {
        let text = """
            {"studies": [
              {"protocolSection": {"identificationModule": {"nctId": "NCT00000000"}}},
              {"protocolSection": {"identificationModule": {"briefTitle": "Synthetic study"}}}
            ]}
            """
        #expect(throws: BibliographicSyntaxError(line: 3, message: "study 2 has no nctId")) {
            try ClinicalTrialsReader.read(text)
        }
    }

    @Test(arguments: [
        (text: "42", line: 1, message: "expected a study, a {\"studies\": […]} page or an array of studies, found a number"),
        (text: "\n\"NCT00000000\"", line: 2, message: "expected a study, a {\"studies\": […]} page or an array of studies, found a string"),
        (text: "{\"identificationModule\": {\"nctId\": \"NCT00000000\"}}", line: 1,
         message: "not a ClinicalTrials.gov study: the object has neither \"protocolSection\" nor \"studies\""),
        (text: "{\n\"studies\":\n{}}", line: 3, message: "\"studies\" is an object, not an array of studies"),
        (text: "[\n" + synthetic("") + ",\n7]", line: 3, message: "study 2 is a number, not an object"),
    ])
    func aTopLevelValueOfTheWrongShapeIsRefused(text: String, line: Int, message: String) {
        #expect(throws: BibliographicSyntaxError(line: line, message: message)) {
            try ClinicalTrialsReader.read(text)
        }
    }

    /// SYNTHETIC arm groups, to show each registry arm type's reading.
    @Test func comparatorComesFromArmGroupTypes() throws {
        func arms(_ json: String) throws -> JSONValue { try JSONParser.parse(json) }
        #expect(ClinicalTrialsReader.comparator(try arms(#"{"armGroups": [{"type": "EXPERIMENTAL"}, {"type": "PLACEBO_COMPARATOR"}]}"#)) == "placebo")
        #expect(ClinicalTrialsReader.comparator(try arms(#"{"armGroups": [{"type": "EXPERIMENTAL"}, {"type": "ACTIVE_COMPARATOR"}]}"#)) == "active")
        #expect(ClinicalTrialsReader.comparator(try arms(#"{"armGroups": [{"type": "EXPERIMENTAL"}]}"#)) == nil)
        #expect(ClinicalTrialsReader.comparator(nil) == nil)
    }
}
