import EvidenceModel

/// One test a record must pass. A resolved filter means the conjunction of its `predicates`:
/// that list is the one definition of the filter language. The notifier evaluates it here,
/// record by record (`matches`); the query replica renders each predicate as one SQL clause
/// (Services/query/Replica/FilterSQL.swift). Both switch over every case with no `default`,
/// so a new kind of test cannot reach one side only, and FilterAgreementTests checks on
/// generated records and filters that the two pick the same records.
public enum FilterPredicate: Sendable, Hashable {
    /// The record is about this condition (a code).
    case condition(String)
    /// The record's status is one of these (never all of them: then there is no test).
    case status([RecordStatus])
    /// The record's design is one of these.
    case design([StudyDesign])
    case minCertainty(Certainty)
    case yearFrom(Int)
    case yearTo(Int)
    /// At least this many participants. A record that does not say how many fails, as a
    /// comparison with SQL's NULL does.
    case minParticipants(Int)
    /// One outcome has this measure and this direction; nil is any (never both nil).
    case outcome(measure: String?, direction: Direction?)
    case doi(String)
    case pmid(String)
    case nct(String)
    /// Every word (lower-cased, folded) is a word of the record's `searchableText`.
    case words([String])

    /// Whether a record with this status passes.
    public func matches(_ record: EvidenceRecord, status: RecordStatus) -> Bool {
        switch self {
        case .condition(let code): record.conditions.contains(code)
        case .status(let statuses): statuses.contains(status)
        case .design(let designs): designs.contains(record.design)
        case .minCertainty(let certainty): record.certainty >= certainty
        case .yearFrom(let year): record.year >= year
        case .yearTo(let year): record.year <= year
        case .minParticipants(let minimum): record.participants.map { $0 >= minimum } ?? false
        case .outcome(let measure, let direction):
            record.outcomes.contains { ($0.measure == measure || measure == nil) && ($0.direction == direction || direction == nil) }
        case .doi(let doi): record.identifiers.doi == doi
        case .pmid(let pmid): record.identifiers.pmid == pmid
        case .nct(let nct): record.identifiers.nct == nct
        case .words(let words):
            Set(record.searchableText.folded.split(separator: " ").map(String.init)).isSuperset(of: words)
        }
    }
}

extension EvidenceFilter {
    /// The tests of a resolved filter, one per field given (outcome and direction make one).
    /// Absent fields add none; the status test is left out when every status is let through.
    public var predicates: [FilterPredicate] {
        var predicates: [FilterPredicate] = []
        if let condition { predicates.append(.condition(condition)) }
        let statuses = self.statuses
        if statuses.count < RecordStatus.allCases.count { predicates.append(.status(statuses)) }
        if let design, !design.isEmpty { predicates.append(.design(design)) }
        if let minCertainty { predicates.append(.minCertainty(minCertainty)) }
        if let yearFrom { predicates.append(.yearFrom(yearFrom)) }
        if let yearTo { predicates.append(.yearTo(yearTo)) }
        if let minParticipants { predicates.append(.minParticipants(minParticipants)) }
        if outcome != nil || direction != nil { predicates.append(.outcome(measure: outcome, direction: direction)) }
        if let doi { predicates.append(.doi(doi)) }
        if let pmid { predicates.append(.pmid(pmid)) }
        if let nct { predicates.append(.nct(nct)) }
        let terms = self.terms
        if !terms.isEmpty { predicates.append(.words(terms)) }
        return predicates
    }

    /// Whether a record passes the (resolved) filter. Used for watches, where each new
    /// change is tested against every watch.
    public func matches(_ record: EvidenceRecord, status: RecordStatus) -> Bool {
        predicates.allSatisfy { $0.matches(record, status: status) }
    }
}

extension EvidenceRecord {
    /// The text full-text search looks at: title, summary, outcomes and adverse events.
    public var searchableText: String {
        [title, summary ?? "", outcomesText, adverseEvents.joined(separator: "; ")].joined(separator: " ")
    }

    /// The same text, field by field, as the replica's full-text index holds it: apostrophes
    /// dropped ("Crohn's" is the word "crohns"), as `folded` drops them for watches, so that
    /// `text` matches the same words in a query and in a watch.
    public var searchIndexFields: (title: String, summary: String, outcomes: String, adverseEvents: String) {
        (title.withoutApostrophes, (summary ?? "").withoutApostrophes, outcomesText.withoutApostrophes,
         adverseEvents.joined(separator: "; ").withoutApostrophes)
    }

    /// Outcomes in words, for searching: "spasticity improved; quality-of-life (SF-36) no-difference".
    public var outcomesText: String {
        outcomes.map { outcome in
            [outcome.measure.replacingOccurrences(of: "-", with: " "), outcome.instrument, outcome.direction.rawValue]
                .compactMap { $0 }.joined(separator: " ")
        }.joined(separator: "; ")
    }
}
