import EvidenceModel

/// Which records a query, a search or a watch is about. Every field narrows the set;
/// absent fields do not. The same language serves `query` (in SQL) and watches (in memory).
public struct EvidenceFilter: Codable, Sendable, Hashable {
    /// A condition code (`ms`) or any name for it ("multiple sclerosis", "MS").
    public var condition: String?
    /// Any of these designs.
    public var design: [StudyDesign]?
    public var minCertainty: Certainty?
    public var yearFrom: Int?
    public var yearTo: Int?
    /// An outcome measure code (`pain`) or a name for it ("pain intensity").
    public var outcome: String?
    /// An outcome went this way (the outcome named by `outcome`, when given).
    public var direction: Direction?
    public var minParticipants: Int?
    public var doi: String?
    public var pmid: String?
    public var nct: String?
    /// Words that must all appear (title, summary, outcomes, adverse events).
    public var text: String?
    /// Also match retracted records (default: only active ones).
    public var includeRetracted: Bool?
    /// Also match records imported with gaps, waiting for review.
    public var includeNeedsReview: Bool?

    public init(condition: String? = nil, design: [StudyDesign]? = nil, minCertainty: Certainty? = nil,
                yearFrom: Int? = nil, yearTo: Int? = nil, outcome: String? = nil, direction: Direction? = nil,
                minParticipants: Int? = nil, doi: String? = nil, pmid: String? = nil, nct: String? = nil,
                text: String? = nil, includeRetracted: Bool? = nil, includeNeedsReview: Bool? = nil) {
        self.condition = condition
        self.design = design
        self.minCertainty = minCertainty
        self.yearFrom = yearFrom
        self.yearTo = yearTo
        self.outcome = outcome
        self.direction = direction
        self.minParticipants = minParticipants
        self.doi = doi
        self.pmid = pmid
        self.nct = nct
        self.text = text
        self.includeRetracted = includeRetracted
        self.includeNeedsReview = includeNeedsReview
    }

    /// The filter with names turned into codes and identifiers normalised, or an error a
    /// user can act on: an unknown condition comes back with the nearest known ones (or all
    /// of them), and values no record could match are refused rather than matching nothing.
    public func resolved() throws(ErrorBody) -> EvidenceFilter {
        var filter = self
        try Self.checkLength(condition, 200, "condition")
        try Self.checkLength(outcome, 200, "outcome")
        try Self.checkLength(text, 1000, "text")
        try Self.checkLength(doi, 300, "doi")
        try Self.checkLength(pmid, 300, "pmid")
        try Self.checkLength(nct, 300, "nct")
        if let condition {
            filter.condition = try Self.conditionCode(condition)
        }
        if let outcome {
            filter.outcome = OutcomeVocabulary.code(for: outcome) ?? outcome.lowercased()
        }
        if let design {
            filter.design = StudyDesign.allCases.filter(design.contains)  // each once
        }
        filter.doi = doi.map(Identifiers.normalizeDOI)
        filter.pmid = pmid.map(Identifiers.normalizePMID)
        filter.nct = nct.map(Identifiers.normalizeNCT)
        if let yearFrom, let yearTo, yearFrom > yearTo {
            throw ErrorBody(code: .invalidRequest, message: "year_from (\(yearFrom)) is after year_to (\(yearTo))",
                            details: [ErrorDetail(field: "year_from", message: "is after year_to")])
        }
        if let minParticipants, minParticipants < 0 {
            throw ErrorBody(code: .invalidRequest, message: "min_participants must be 0 or more, found \(minParticipants)",
                            details: [ErrorDetail(field: "min_participants", message: "must be 0 or more")])
        }
        if filter.terms.count > Self.maximumTerms {
            throw ErrorBody(code: .invalidRequest, message: "text has \(filter.terms.count) words; at most \(Self.maximumTerms) are looked for",
                            details: [ErrorDetail(field: "text", message: "too many words")])
        }
        return filter
    }

    public static let maximumTerms = 32

    /// A condition's code: by code, name, synonym or a phrase it contains as whole words, or
    /// `other:<text>` as written. Anything else is `not_found`: `details` hold the nearest
    /// known codes, if any are near; the message names them, or lists every condition.
    public static func conditionCode(_ name: String) throws(ErrorBody) -> String {
        if let concept = ConditionVocabulary.concept(for: name) { return concept.code }
        let code = ConditionVocabulary.code(for: name)
        if name.lowercased().hasPrefix(ConditionVocabulary.otherPrefix), code.count > ConditionVocabulary.otherPrefix.count {
            return code
        }
        let suggestions = ConditionVocabulary.suggestions(for: name)
        let known = ConditionVocabulary.concepts.map { "\($0.code) (\($0.name))" }
        throw ErrorBody(
            code: .notFound,
            message: "unknown condition \"\(name.prefix(200))\"; "
                + (suggestions.isEmpty ? "known conditions: \(known.joined(separator: ", "))" : "did you mean \(suggestions.joined(separator: ", "))?"),
            details: suggestions.map { ErrorDetail(field: "condition", message: $0) })
    }

    private static func checkLength(_ value: String?, _ limit: Int, _ field: String) throws(ErrorBody) {
        guard let value, value.utf8.count > limit else { return }
        throw ErrorBody(code: .invalidRequest, message: "\(field) is \(value.utf8.count) bytes long; at most \(limit) are allowed",
                        details: [ErrorDetail(field: field, message: "too long")])
    }

    /// The record statuses the filter lets through.
    public var statuses: [RecordStatus] {
        [.active] + (includeNeedsReview == true ? [.needsReview] : []) + (includeRetracted == true ? [.retracted] : [])
    }

    /// The words of `text`, lower-cased, for matching.
    public var terms: [String] {
        (text ?? "").folded.split(separator: " ").map(String.init)
    }
}
