import Foundation
import Testing
@testable import EvidenceFormats

@Suite struct MedlineReaderTests {
    @Test func readsEveryFieldOfAPubMedExport() throws {
        let text = try FixtureFiles.text("pubmed-export.nbib")
        let citations = try MedlineReader.read(text)
        try #require(citations.count == 3)

        let smith = citations[0]
        #expect(smith.line == 2)
        #expect(smith.original == FixtureFiles.lines(text, 2, 26))
        #expect(smith.pmid == "21380937")
        // The title's continuation line is joined with one space.
        #expect(smith.title == "Therapy with the opioid antagonist naltrexone promotes mucosal healing in active Crohn's disease: a randomized placebo-controlled trial.")
        #expect(smith.abstract == "In a double-blind trial in 40 adults with active Crohn's disease, low-dose naltrexone (4.5 mg a day for 12 weeks) lowered the CDAI by 70 points or more in 88% against 40% on placebo; endoscopic response was 78% against 28%.")
        #expect(smith.authors == ["Smith JP"])
        #expect(smith.year == 2011)
        #expect(smith.journal == "Dig Dis Sci")
        #expect(smith.doi == "10.1007/s10620-011-1653-7")
        #expect(smith.publicationTypes == ["Journal Article", "Randomized Controlled Trial"])
        // Stars and subheadings removed; the two Naltrexone headings give one subject.
        #expect(smith.subjects == ["Adult", "Crohn Disease", "Naltrexone"])
        #expect(smith.nct == nil)
        // AID repeats LID's DOI, so it is used, not dropped.
        #expect(smith.dropped == [
            DroppedField(tag: "OWN", reason: "owner: not part of an evidence record"),
            DroppedField(tag: "STAT", reason: "status: not part of an evidence record"),
            DroppedField(tag: "VI", reason: "volume: not part of an evidence record"),
            DroppedField(tag: "IP", reason: "issue: not part of an evidence record"),
            DroppedField(tag: "PG", reason: "pages: not part of an evidence record"),
            DroppedField(tag: "FAU", reason: "full author name; AU is used"),
            DroppedField(tag: "LA", reason: "language: not part of an evidence record"),
            DroppedField(tag: "SO", reason: "source: not part of an evidence record"),
        ])
    }

    @Test func takesTheTrialIdFromSIAndOtherTermsAsSubjects() throws {
        let text = try FixtureFiles.text("pubmed-export.nbib")
        let bruun = try MedlineReader.read(text)[1]
        #expect(bruun.line == 28)
        #expect(bruun.original == FixtureFiles.lines(text, 28, 52))
        #expect(bruun.pmid == "38258677")
        #expect(bruun.doi == "10.1016/S2665-9913(23)00278-3")
        #expect(bruun.nct == "NCT04270877")
        #expect(bruun.year == 2024)
        #expect(bruun.journal == "Lancet Rheumatol")
        #expect(bruun.title == "Naltrexone 6 mg once daily versus placebo in women with fibromyalgia: a randomised, double-blind, placebo-controlled trial.")
        #expect(bruun.subjects == ["Female", "Fibromyalgia", "Naltrexone", "fibromyalgia", "low-dose naltrexone"])
        #expect(!bruun.dropped.contains { $0.tag == "SI" || $0.tag == "OT" })

        let pilot = try MedlineReader.read(text)[2]
        #expect(pilot.line == 54)
        #expect(pilot.pmid == "17222320")
        #expect(pilot.journal == "Am J Gastroenterol")
        #expect(pilot.year == 2007)
        #expect(pilot.doi == nil)
        // The file's last record ends at the end of the file, not at a blank line.
        #expect(pilot.original == FixtureFiles.lines(text, 54, 70))
    }

    @Test func readsTheSameStudyAsTheRISExport() throws {
        let fromMedline = try MedlineReader.read(try FixtureFiles.text("pubmed-export.nbib"))[0]
        let fromRIS = try RISReader.read(try FixtureFiles.text("pubmed-export.ris"))[0]
        #expect(fromMedline.pmid == fromRIS.pmid)
        #expect(fromMedline.doi == fromRIS.doi)
        #expect(fromMedline.title == fromRIS.title)
        #expect(fromMedline.year == fromRIS.year)
        #expect(fromMedline.journal == fromRIS.journal)
        #expect(fromMedline.authors == fromRIS.authors)
        #expect(fromMedline.abstract == fromRIS.abstract)
    }

    @Test func joinsEveryContinuationLineOfALongAbstract() throws {
        let citation = try #require(try MedlineReader.read(try FixtureFiles.text("long-abstract.nbib")).first)
        #expect(citation.pmid == "29523156")
        #expect(citation.doi == "10.1186/s12967-018-1427-5")
        #expect(citation.authors == ["Lie MRKL"])
        #expect(citation.title == "Low dose naltrexone for induction of remission in inflammatory bowel disease patients.")
        #expect(citation.abstract == "BACKGROUND: Low dose naltrexone was studied in patients with inflammatory bowel disease whose disease had not responded to therapy. METHODS: In a prospective open-label study, 47 therapy-refractory patients with Crohn's disease or ulcerative colitis took low dose naltrexone for 12 weeks. RESULTS: Clinical improvement was seen in 74.5% of the patients and remission in 25.5%. CONCLUSIONS: About three in four therapy-refractory patients improved on low dose naltrexone and about one in four reached remission.")
        #expect(citation.subjects == ["Colitis, Ulcerative", "Crohn Disease", "Naltrexone"])
    }

    @Test func readsCRLFAndAByteOrderMarkLikeLF() throws {
        let text = try FixtureFiles.text("pubmed-export.nbib")
        let fromLF = try MedlineReader.read(text)
        let fromCRLF = try MedlineReader.read("\u{FEFF}" + text.replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(fromCRLF == fromLF)
    }

    @Test func usesJTOnlyWithoutTAAndDropsOtherArticleIds() throws {
        // Placeholder values: only the choice between tags is under test.
        let citations = try MedlineReader.read("""
            PMID- 17222320
            TA  - J Abbrev
            JT  - Journal Full Name
            AID - placeholder [pii]
            SI  - GENBANK/placeholder

            PMID- 21380937
            JT  - Journal Full Name
            """)
        #expect(citations.map(\.journal) == ["J Abbrev", "Journal Full Name"])
        #expect(citations[0].doi == nil)
        #expect(citations[0].dropped == [
            DroppedField(tag: "JT", reason: "journal already taken from TA"),
            DroppedField(tag: "AID", reason: "[pii] id: not part of an evidence record"),
            DroppedField(tag: "SI", reason: "SI 'GENBANK/placeholder' is not a ClinicalTrials.gov id"),
        ])
        #expect(citations[1].dropped.isEmpty)
    }

    @Test func cleansMeSHHeadingsAndRecognisesTags() {
        #expect(MedlineReader.meshHeading("Naltrexone/*administration & dosage") == "Naltrexone")
        #expect(MedlineReader.meshHeading("*Crohn Disease") == "Crohn Disease")
        #expect(MedlineReader.meshHeading("Colitis, Ulcerative/drug therapy") == "Colitis, Ulcerative")
        #expect(MedlineReader.medlineTag("PMID- 21380937")?.tag == "PMID")
        #expect(MedlineReader.medlineTag("OWN - NLM")?.tag == "OWN")
        #expect(MedlineReader.medlineTag("TI  - Title")?.value == "Title")
        #expect(MedlineReader.medlineTag("TI - Title") == nil)
        #expect(MedlineReader.medlineTag("ti  - Title") == nil)
        #expect(MedlineReader.medlineTag("      continued") == nil)
    }

    @Test func reportsTextBeforeTheFirstPMID() {
        #expect(FixtureFiles.syntaxError { try MedlineReader.read("PubMed results\n\nPMID- 17222320\n") } == BibliographicSyntaxError(
            line: 1, message: "text before the first PMID line"))
    }

    @Test func reportsALineThatIsNeitherATagNorAContinuation() {
        let error = FixtureFiles.syntaxError { try MedlineReader.read("""
            PMID- 17222320
            TI  - Low-dose naltrexone therapy improves active Crohn's disease.
            improves active
            """) }
        #expect(error == BibliographicSyntaxError(line: 3, message: "expected a tag like 'TI  - ' or a continuation line"))
    }

    @Test func reportsARecordWithoutPMID() {
        let error = FixtureFiles.syntaxError { try MedlineReader.read("""
            PMID- 17222320
            TA  - Am J Gastroenterol

            TI  - Low-dose naltrexone therapy improves active Crohn's disease.
            """) }
        #expect(error == BibliographicSyntaxError(
            line: 4, message: "a record without PMID: MEDLINE records start with 'PMID- ', this one with 'TI'"))
    }

    @Test func reportsRecordsRunTogetherAndEmptyFiles() {
        #expect(FixtureFiles.syntaxError { try MedlineReader.read("PMID- 17222320\nTA  - Am J Gastroenterol\nPMID- 21380937\n") } == BibliographicSyntaxError(
            line: 3, message: "a second PMID in the record starting at line 1; records are separated by a blank line"))
        #expect(FixtureFiles.syntaxError { try MedlineReader.read("PMID- PMC123\n") } == BibliographicSyntaxError(line: 1, message: "PMID 'PMC123' is not a PubMed id"))
        #expect(FixtureFiles.syntaxError { try MedlineReader.read("\n\n") } == BibliographicSyntaxError(line: nil, message: "no MEDLINE record (no PMID line)"))
    }

    /// Records are read in parallel chunks: a large export keeps its order and line numbers.
    @Test func aLargeExportKeepsItsOrderAndLineNumbers() throws {
        let count = 300
        let text = (0..<count).map { index in
            "PMID- \(990_000_001 + index)\nTI  - Synthetic title \(index)\n      continued\nDP  - 2020 Jan\n"
        }.joined(separator: "\n")
        let citations = try MedlineReader.read(text)
        try #require(citations.count == count)
        for (index, citation) in citations.enumerated() {
            #expect(citation.pmid == "\(990_000_001 + index)")
            #expect(citation.title == "Synthetic title \(index) continued")
            #expect(citation.line == 5 * index + 1)
        }
    }
}
