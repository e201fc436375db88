import ArgumentParser
import EvidenceModel
import WireProtocol

/// The filter flags `query`, `search` and `watch add` share: the filter language of the protocol.
struct FilterOptions: ParsableArguments {
    @Option(help: "Condition: a code (crohns, ms, fibromyalgia, crps, long-covid…) or a name (\"multiple sclerosis\").")
    var condition: String?

    @Option(help: "Study design (rct, crossover-rct, open-label, cohort, systematic-review…); repeat for several.")
    var design: [StudyDesign] = []

    @Option(help: "Lowest GRADE certainty: high, moderate, low or very-low.")
    var minCertainty: Certainty?

    @Option(help: "Published in or after this year.")
    var yearFrom: Int?

    @Option(help: "Published in or before this year.")
    var yearTo: Int?

    @Option(help: "An outcome measure: pain, fatigue, quality-of-life, spasticity, disease-activity, mood…")
    var outcome: String?

    @Option(help: "How that outcome went: improved, no-difference, worsened or mixed.")
    var direction: Direction?

    @Option(help: "At least this many participants.")
    var minParticipants: Int?

    @Option(help: "Only the record with this DOI.")
    var doi: String?

    @Option(help: "Only the record with this PMID.")
    var pmid: String?

    @Option(help: "Only records with this ClinicalTrials.gov id.")
    var nct: String?

    @Flag(help: "Include retracted records.")
    var includeRetracted = false

    @Flag(help: "Include records imported with --allow-partial that wait for review.")
    var includeNeedsReview = false

    func filter(text: String? = nil) -> EvidenceFilter {
        EvidenceFilter(condition: condition, design: design.isEmpty ? nil : design, minCertainty: minCertainty,
                       yearFrom: yearFrom, yearTo: yearTo, outcome: outcome, direction: direction,
                       minParticipants: minParticipants, doi: doi, pmid: pmid, nct: nct, text: text,
                       includeRetracted: includeRetracted ? true : nil, includeNeedsReview: includeNeedsReview ? true : nil)
    }
}

/// An enumeration given on the command line, matched as the record form matches it:
/// ignoring case, spaces and hyphens (`--design RCT`, `--min-certainty "very low"`).
public protocol LenientArgument: ExpressibleByArgument, CaseIterable, RawRepresentable where RawValue == String {}

extension LenientArgument {
    public init?(argument: String) {
        let key = argument.folded
        guard let match = Self.allCases.first(where: { $0.rawValue == argument || $0.rawValue.folded == key }) else { return nil }
        self = match
    }
}

extension StudyDesign: LenientArgument {}
extension Certainty: LenientArgument {}
extension Direction: LenientArgument {}
extension QuerySort: LenientArgument {}
