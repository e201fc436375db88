import Foundation
import Testing
@testable import EvidenceFormats

@Suite struct RISReaderTests {
    @Test func readsEveryFieldOfAPubMedExport() throws {
        let text = try FixtureFiles.text("pubmed-export.ris")
        let citations = try RISReader.read(text)
        try #require(citations.count == 3)

        let smith = citations[0]
        #expect(smith.line == 1)
        #expect(smith.publicationTypes == ["JOUR"])
        #expect(smith.authors == ["Smith JP"])
        #expect(smith.title == "Therapy with the opioid antagonist naltrexone promotes mucosal healing in active Crohn's disease: a randomized placebo-controlled trial.")
        #expect(smith.journal == "Dig Dis Sci")
        #expect(smith.year == 2011)
        #expect(smith.pmid == "21380937")
        #expect(smith.doi == "10.1007/s10620-011-1653-7")
        #expect(smith.url == "https://pubmed.ncbi.nlm.nih.gov/21380937")
        #expect(smith.nct == nil)
        #expect(smith.subjects == ["Crohn Disease", "Naltrexone"])
        // Untagged lines continue the abstract, joined with single spaces.
        #expect(smith.abstract == "In a double-blind trial in 40 adults with active Crohn's disease, low-dose naltrexone (4.5 mg a day for 12 weeks) lowered the CDAI by 70 points or more in 88% against 40% on placebo; endoscopic response was 78% against 28%.")
        #expect(smith.original == FixtureFiles.lines(text, 1, 19))
        #expect(smith.dropped == [
            DroppedField(tag: "DB", reason: "database name: not part of an evidence record"),
            DroppedField(tag: "VL", reason: "volume: not part of an evidence record"),
            DroppedField(tag: "IS", reason: "issue: not part of an evidence record"),
            DroppedField(tag: "SP", reason: "start page: not part of an evidence record"),
            DroppedField(tag: "EP", reason: "end page: not part of an evidence record"),
        ])
    }

    @Test func takesTheTrialIdFromNotesAndStripsTheDOILink() throws {
        let text = try FixtureFiles.text("pubmed-export.ris")
        let bruun = try RISReader.read(text)[1]
        #expect(bruun.line == 21)
        #expect(bruun.original == FixtureFiles.lines(text, 21, 35))
        #expect(bruun.authors == ["Bruun KD"])
        #expect(bruun.journal == "Lancet Rheumatol")
        #expect(bruun.year == 2024)
        // AN after DO still gives the PMID; the DO value was a doi.org link.
        #expect(bruun.pmid == "38258677")
        #expect(bruun.doi == "10.1016/S2665-9913(23)00278-3")
        #expect(bruun.nct == "NCT04270877")
        #expect(bruun.subjects == ["Fibromyalgia", "Naltrexone"])
        // N1 gave the trial id, so it is used, not dropped.
        #expect(bruun.dropped.map(\.tag) == ["VL", "IS", "SP", "EP"])
    }

    @Test func takesPMIDAndDOIFromLinksWhenNoTagGivesThem() throws {
        let raknes = try RISReader.read(try FixtureFiles.text("pubmed-export.ris"))[2]
        #expect(raknes.line == 37)
        #expect(raknes.authors == ["Raknes G", "Småbrekke L"])
        #expect(raknes.journal == "PLoS One")
        #expect(raknes.year == 2017)
        #expect(raknes.pmid == "29099849")
        #expect(raknes.doi == "10.1371/journal.pone.0187423")
        #expect(raknes.url == "https://pubmed.ncbi.nlm.nih.gov/29099849/")
        #expect(raknes.abstract == nil)
        #expect(raknes.dropped.map(\.tag) == ["VL", "IS", "SP"])
    }

    @Test func toleratesVendorVariants() throws {
        let text = try FixtureFiles.text("vendor-variants.ris")
        #expect(text.hasPrefix("\u{FEFF}1."))
        #expect(text.contains("\r\n"))
        let citations = try RISReader.read(text)
        try #require(citations.count == 2)

        // Numbered "1.", an "ER  -" without its trailing space, a blank line inside the record.
        let pilot = citations[0]
        #expect(pilot.line == 2)
        #expect(pilot.authors == ["Younger J", "Mackey S"])
        #expect(pilot.title == "Fibromyalgia symptoms are reduced by low-dose naltrexone: a pilot study.")
        #expect(pilot.journal == "Pain Med")
        #expect(pilot.year == 2009)
        #expect(pilot.pmid == "19453963")
        let lf = text.replacingOccurrences(of: "\r\n", with: "\n")
        #expect(pilot.original == FixtureFiles.lines(lf, 2, 10).replacingOccurrences(of: "\u{FEFF}", with: ""))
        #expect(!pilot.original.contains("\r"))
        // Tags between ER and the next TY belong to no record: reported on the one before.
        #expect(pilot.dropped == [
            DroppedField(tag: "M3", reason: "after ER; ignored"),
            DroppedField(tag: "DB", reason: "after ER; ignored"),
        ])

        let crossover = citations[1]
        #expect(crossover.line == 15)
        #expect(crossover.original == FixtureFiles.lines(lf, 15, 30))
        #expect(crossover.authors == ["Younger J", "Noor N", "McCue R", "Mackey S"])
        #expect(crossover.journal == "Arthritis Rheum")
        #expect(crossover.year == 2013)
        #expect(crossover.doi == "10.1002/art.37734")
        #expect(crossover.pmid == nil)
        #expect(crossover.nct == "NCT00568555")
        #expect(crossover.subjects == ["Fibromyalgia", "Naltrexone"])
        // N2 is the abstract when there is no AB; its blank line stays a paragraph break.
        #expect(crossover.abstract == """
            In a double-blind, counterbalanced crossover trial (NCT00568555), 31 women with fibromyalgia took low-dose naltrexone 4.5 mg and placebo.

            Baseline pain fell by 28.8% on low-dose naltrexone against 18.0% on placebo (p=0.016).
            """)
        #expect(crossover.dropped == [
            DroppedField(tag: "AN", reason: "AN '10.1002/art.37734' is not a PubMed id"),
            DroppedField(tag: "N1", reason: "after ER; ignored"),
        ])
    }

    @Test func readsCRLineEndsAndAByteOrderMarkBeforeTYLikeLF() throws {
        let text = try FixtureFiles.text("pubmed-export.ris")
        let fromLF = try RISReader.read(text)
        let fromCR = try RISReader.read("\u{FEFF}" + text.replacingOccurrences(of: "\n", with: "\r"))
        #expect(fromCR == fromLF)
    }

    @Test func prefersTheJournalAbbreviationAndKeepsTheFirstTitleAndURL() throws {
        // Placeholder values: only the choice between tags is under test.
        let citation = try #require(try RISReader.read("""
            TY  - JOUR
            T1  - Placeholder secondary title
            TI  - Placeholder title
            JO  - Journal Full Name
            JA  - J Abbrev
            UR  - https://example.org/first
            UR  - https://example.org/second
            ER  - 
            """).first)
        #expect(citation.title == "Placeholder title")
        #expect(citation.journal == "J Abbrev")
        #expect(citation.url == "https://example.org/first")
        #expect(citation.dropped == [
            DroppedField(tag: "T1", reason: "title already taken from TI"),
            DroppedField(tag: "JO", reason: "journal already taken from JA"),
            DroppedField(tag: "UR", reason: "another URL; the first is kept"),
        ])
    }

    @Test func writesAuthorsTheMEDLINEWay() {
        #expect(RISReader.medlineStyle("Smith, J. P.") == "Smith JP")
        #expect(RISReader.medlineStyle("Cree, B. A. C.") == "Cree BAC")
        #expect(RISReader.medlineStyle("Lie, MRKL") == "Lie MRKL")
        #expect(RISReader.medlineStyle("Doe, Jane Ann") == "Doe JA")
        #expect(RISReader.medlineStyle("Doe, Jean-Paul") == "Doe JP")
        #expect(RISReader.medlineStyle("van Doe, A.") == "van Doe A")
        #expect(RISReader.medlineStyle("Smith, J. P., Jr.") == "Smith JP Jr")
        #expect(RISReader.medlineStyle("Smith JP") == "Smith JP")
        #expect(RISReader.medlineStyle("FINAL Study Group") == "FINAL Study Group")
    }

    @Test func findsYearsDOIsAndTrialIdsInFreeText() {
        #expect(BibliographicValue.year(in: "2011///") == 2011)
        #expect(BibliographicValue.year(in: "2011/07/01/") == 2011)
        #expect(BibliographicValue.year(in: "Jul-Aug 2011") == 2011)
        #expect(BibliographicValue.year(in: "n.d.") == nil)
        #expect(BibliographicValue.doi(in: "doi: 10.1002/art.37734") == "10.1002/art.37734")
        #expect(BibliographicValue.doi(in: "http://dx.doi.org/10.1016/S2665-9913%2823%2900278-3") == "10.1016/S2665-9913(23)00278-3")
        #expect(BibliographicValue.doi(in: "not a doi") == nil)
        #expect(BibliographicValue.pubMedID(fromLink: "https://www.ncbi.nlm.nih.gov/pubmed/21380937") == "21380937")
        #expect(BibliographicValue.pubMedID(fromLink: "https://example.org/21380937") == nil)
        #expect(BibliographicValue.nctID(in: "ClinicalTrials.gov/NCT00568555") == "NCT00568555")
        #expect(BibliographicValue.nctID(in: "registered (NCT04270877).") == "NCT04270877")
        #expect(BibliographicValue.nctID(in: "NCT005685551") == nil)
        #expect(BibliographicValue.nctID(in: "XNCT00568555") == nil)
    }

    @Test func reportsARecordWithoutERWhereTheFileEnds() throws {
        let error = try #require(FixtureFiles.syntaxError { try RISReader.read(try FixtureFiles.text("no-er.ris")) })
        #expect(error == BibliographicSyntaxError(
            line: 14, message: "the record starting at line 9 has no ER line; the file may be truncated"))
    }

    @Test func reportsATYInsideAnOpenRecord() {
        let error = FixtureFiles.syntaxError { try RISReader.read("""
            TY  - JOUR
            TI  - Pilot trial of low-dose naltrexone and quality of life in multiple sclerosis.

            TY  - JOUR
            TI  - A pilot trial of low-dose naltrexone in primary progressive multiple sclerosis.
            ER  - 
            """) }
        #expect(error == BibliographicSyntaxError(
            line: 4, message: "TY inside the record starting at line 1; its ER line is missing"))
    }

    @Test func reportsAFileWithoutRecords() {
        #expect(FixtureFiles.syntaxError { try RISReader.read("Record 1 of 1\n\n") } == BibliographicSyntaxError(line: nil, message: "no RIS record (no TY line)"))
        #expect(FixtureFiles.syntaxError { try RISReader.read("") } == BibliographicSyntaxError(line: nil, message: "no RIS record (no TY line)"))
    }

    @Test func reportsATagBeforeTheFirstRecord() {
        let error = FixtureFiles.syntaxError { try RISReader.read("""
            AU  - Gironi, M.
            TY  - JOUR
            ER  - 
            """) }
        #expect(error == BibliographicSyntaxError(
            line: 1, message: "AU before the first TY line; a RIS record starts with 'TY  - '"))
    }
}
