import Foundation

/// A study as a bibliographic export or a trial registry describes it — what RIS,
/// MEDLINE, PubMed XML and ClinicalTrials.gov carry — before it becomes an evidence
/// record. Readers fill in what their format has; `CitationMapping` does the rest.
public struct Citation: Sendable, Equatable {
    public var title: String?
    /// "Smith JP" style where the format allows; as written otherwise.
    public var authors: [String] = []
    public var year: Int?
    public var journal: String?
    public var doi: String?
    public var pmid: String?
    public var nct: String?
    public var url: String?
    public var abstract: String?
    /// MeSH headings, keywords and registry conditions: mapped to conditions through the vocabulary.
    public var subjects: [String] = []
    /// Publication types as the source names them ("Randomized Controlled Trial", "Review",
    /// RIS's "JOUR"): mapped to a study design.
    public var publicationTypes: [String] = []
    /// What a trial registry says about the design.
    public var registry: RegistryDesign?
    /// Participants, when the source gives a count (a registry's enrollment).
    public var participants: Int?
    /// What the treatment was compared with, in the record's terms (`placebo`, `active`),
    /// when the source says (a registry's arms).
    public var comparator: String?
    /// Where the record starts in its file (1-based line), when the format has lines.
    public var line: Int?
    /// The record as it appears in the file, kept with the stored record's provenance.
    public var original: String = ""
    /// Things the reader saw but did not use, with the reason.
    public var dropped: [DroppedField] = []

    public init() {}
}

/// ClinicalTrials.gov's design facts (API v2 `designModule`), in its own terms.
public struct RegistryDesign: Sendable, Equatable {
    /// `INTERVENTIONAL`, `OBSERVATIONAL`, `EXPANDED_ACCESS`.
    public var studyType: String?
    /// `RANDOMIZED`, `NON_RANDOMIZED`, `NA`.
    public var allocation: String?
    /// `PARALLEL`, `CROSSOVER`, `SINGLE_GROUP`, `FACTORIAL`, `SEQUENTIAL`.
    public var interventionModel: String?
    /// `NONE` (open label), `SINGLE`, `DOUBLE`, `TRIPLE`, `QUADRUPLE`.
    public var masking: String?
    /// `COHORT`, `CASE_CONTROL`, `CASE_ONLY`, … for observational studies.
    public var observationalModel: String?
    public var phases: [String] = []

    public init(studyType: String? = nil, allocation: String? = nil, interventionModel: String? = nil,
                masking: String? = nil, observationalModel: String? = nil, phases: [String] = []) {
        self.studyType = studyType
        self.allocation = allocation
        self.interventionModel = interventionModel
        self.masking = masking
        self.observationalModel = observationalModel
        self.phases = phases
    }
}

/// A field a reader did not carry over: `tag` as the format names it ("N1", "MH", "Grant").
public struct DroppedField: Sendable, Equatable, CustomStringConvertible {
    public var tag: String
    public var reason: String

    public init(tag: String, reason: String) {
        self.tag = tag
        self.reason = reason
    }

    public var description: String { "\(tag): \(reason)" }
}

/// Why a bibliographic file cannot be read, with the line where reading stopped.
public struct BibliographicSyntaxError: Error, Sendable, Equatable {
    public var line: Int?
    public var message: String

    public init(line: Int?, message: String) {
        self.line = line
        self.message = message
    }
}
