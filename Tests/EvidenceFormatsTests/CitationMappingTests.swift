import EvidenceModel
import Foundation
import Testing
import WireProtocol
@testable import EvidenceFormats

/// Citations as the readers produce them, mapped to records. Facts from the reference list.
@Suite("Mapping citations to evidence records")
struct CitationMappingTests {
    static func smith2011() -> Citation {
        var citation = Citation()
        citation.title = "Therapy with the opioid antagonist naltrexone promotes mucosal healing in active Crohn's disease: a randomized placebo-controlled trial."
        citation.authors = ["Smith JP"]
        citation.year = 2011
        citation.journal = "Dig Dis Sci"
        citation.doi = "10.1007/s10620-011-1653-7"
        citation.pmid = "21380937"
        citation.publicationTypes = ["Journal Article", "Randomized Controlled Trial"]
        citation.subjects = ["Crohn Disease", "Naltrexone", "Humans"]
        citation.line = 12
        citation.original = "PMID- 21380937\nTI  - Therapy with the opioid antagonist…"
        citation.dropped = [DroppedField(tag: "VI", reason: "volume: not part of an evidence record")]
        return citation
    }

    func map(_ citation: Citation, allowPartial: Bool = false) -> (SourceRecord, EvidenceRecord?) {
        let source = CitationMapping.record(citation, number: 3, file: "export.nbib", format: .medline, allowPartial: allowPartial)
        return (source, source.problems.isEmpty ? RecordIntake.evaluate(source.json).record : nil)
    }

    @Test("A PubMed record maps to a valid record: identifiers, design from the publication type, condition from MeSH")
    func fullRecord() throws {
        let (source, mapped) = map(Self.smith2011())
        let record = try #require(mapped, "\(source.problems)")
        #expect(record.design == .rct)
        #expect(record.conditions == ["crohns"])
        #expect(record.identifiers.doi == "10.1007/s10620-011-1653-7" && record.identifiers.pmid == "21380937")
        #expect(record.year == 2011 && record.journal == "Dig Dis Sci" && record.authors == ["Smith JP"])
        #expect(record.source == "MEDLINE record")
        #expect(source.provenance.format == "medline" && source.provenance.line == 12 && source.provenance.recordNumber == 3)
        #expect(source.provenance.original?.hasPrefix("PMID- 21380937") == true)
        #expect(source.provenance.initialStatus == .active)
        let notes = source.notes.map(\.description)
        #expect(notes.contains("inferred: design rct from publication type \"Randomized Controlled Trial\""))
        #expect(notes.contains("inferred: condition crohns from subject \"Crohn Disease\""))
        #expect(notes.contains("dropped: subjects that name no condition in the vocabulary: Naltrexone; Humans"))
        #expect(notes.contains("dropped: VI: volume: not part of an evidence record"))
    }

    @Test("Design and conditions fall back on the title, and say so")
    func titleFallback() throws {
        var citation = Self.smith2011()
        citation.publicationTypes = ["JOUR"]
        citation.subjects = []
        let (source, mapped) = map(citation)
        let record = try #require(mapped)
        #expect(record.design == .rct && record.conditions == ["crohns"])
        let notes = source.notes.map(\.description)
        #expect(notes.contains("inferred: design rct from the title (\"randomized\")"))
        #expect(notes.contains("inferred: condition crohns from the title"))
    }

    @Test("A randomised trial that says crossover is a crossover trial")
    func crossover() throws {
        var citation = Citation()
        citation.title = "Low-dose naltrexone for the treatment of fibromyalgia: findings of a small, randomized, double-blind, placebo-controlled, counterbalanced, crossover trial assessing daily pain levels."
        citation.year = 2013
        citation.publicationTypes = ["Randomized Controlled Trial"]
        citation.subjects = ["Fibromyalgia"]
        #expect(map(citation).1?.design == .crossoverRCT)
    }

    @Test("A registry's design decides: randomised crossover, randomised parallel, single group, observational")
    func registryDesigns() {
        func design(_ registry: RegistryDesign) -> StudyDesign? { DesignInference.fromRegistry(registry)?.design }
        #expect(design(RegistryDesign(studyType: "INTERVENTIONAL", allocation: "RANDOMIZED", interventionModel: "CROSSOVER")) == .crossoverRCT)
        #expect(design(RegistryDesign(studyType: "INTERVENTIONAL", allocation: "RANDOMIZED", interventionModel: "PARALLEL")) == .rct)
        #expect(design(RegistryDesign(studyType: "INTERVENTIONAL", allocation: "NA", interventionModel: "SINGLE_GROUP")) == .openLabel)
        #expect(design(RegistryDesign(studyType: "OBSERVATIONAL", observationalModel: "CASE_CONTROL")) == .caseControl)
        #expect(design(RegistryDesign(studyType: "OBSERVATIONAL", observationalModel: "COHORT")) == .cohort)
        #expect(design(RegistryDesign(studyType: "EXPANDED_ACCESS")) == nil)
    }

    @Test("Publication types map to designs, most specific first")
    func publicationTypes() {
        func design(_ types: [String], _ text: String = "") -> StudyDesign? {
            DesignInference.fromPublicationTypes(types, text: LowercasedBytes(text))?.design
        }
        #expect(design(["Journal Article", "Meta-Analysis", "Systematic Review"]) == .metaAnalysis)
        #expect(design(["Systematic Review"]) == .systematicReview)
        #expect(design(["Case Reports"]) == .caseReport)
        #expect(design(["Clinical Trial, Phase II"]) == .openLabel)
        #expect(design(["Clinical Trial"], "a randomised pilot") == .rct)
        #expect(design(["Observational Study"], "a case-control study") == .caseControl)
        #expect(design(["Review"]) == .other)
        #expect(design(["Journal Article"]) == nil)
    }

    @Test("Without a design or a condition the record is rejected, with the reason and the way out")
    func gapsRejected() {
        var citation = Citation()
        citation.title = "Low dose naltrexone: a report"
        citation.year = 2018
        citation.publicationTypes = ["JOUR"]
        let (source, _) = map(citation)
        #expect(source.problems.map(\.field) == ["design", "conditions"])
        #expect(source.problems[0].message.contains("publication type \"JOUR\"") && source.problems[0].message.contains("--allow-partial"))
    }

    @Test("--allow-partial fills the gaps for review and marks the record needs-review")
    func gapsForReview() throws {
        var citation = Citation()
        citation.title = "Low dose naltrexone: a report"
        citation.year = 2018
        let (source, mapped) = map(citation, allowPartial: true)
        let record = try #require(mapped, "\(source.problems)")
        #expect(record.design == .other && record.conditions == [CitationMapping.unclassifiedCondition])
        #expect(source.provenance.initialStatus == .needsReview)
        #expect(source.provenance.unresolved?.count == 2)
        #expect(source.notes.filter { $0.kind == .unresolved }.count == 2)
    }

    @Test("Title and year are never filled in: a record without them is rejected even with --allow-partial")
    func titleAndYearRequired() {
        var citation = Self.smith2011()
        citation.title = nil
        citation.year = nil
        let (source, _) = map(citation, allowPartial: true)
        #expect(source.problems.map(\.field) == ["title", "year"])
        #expect(source.problems[0].message == "the MEDLINE record has no title")
    }
}
