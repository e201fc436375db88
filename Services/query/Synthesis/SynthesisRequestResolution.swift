import EvidenceModel
import MetaAnalysis
import WireProtocol

/// A `synthesize` body as the question it asks: names turned into codes, defaults filled in,
/// and every value a client chose checked against what a synthesis can do, so that a wrong
/// request is an error a client can act on and never a silently empty answer. Two bodies
/// that ask the same question resolve to equal questions (the cache's key).
extension SynthesizeRequest {
    /// Longest condition or outcome name read, as in a filter.
    static let maximumNameBytes = 200
    /// The range a record's `timepoint_weeks` may take (RecordIntake).
    static let timepoints: ClosedRange<Double> = 0...1040
    /// The measures a synthesis pools on: every effect type but `proportion`.
    static let measures: [EffectType] = [.rr, .or, .rd, .md, .smd, .hr]

    func question() throws(ErrorBody) -> SynthesisQuestion {
        try Self.checkLength(condition, "condition")
        try Self.checkLength(outcome, "outcome")
        let condition = try EvidenceFilter.conditionCode(self.condition)
        let outcome = try Self.outcomeCode(self.outcome)
        if let timepointWeeks, !Self.timepoints.contains(timepointWeeks) {
            throw Self.invalid("timepoint_weeks", "must be between 0 and 1040 (20 years), found \(timepointWeeks)")
        }
        if let measure, !Self.measures.contains(measure) {
            throw Self.invalid("measure", "must be one of \(Self.measures.map(\.rawValue).joined(separator: ", ")), found \(measure.rawValue)")
        }
        let method = method ?? .reml
        let hartungKnapp = hartungKnapp ?? false
        if hartungKnapp, !method.isRandomEffects {
            throw Self.invalid("hartung_knapp", "applies to the random-effects methods (reml, dl), not \(method.rawValue)")
        }
        if method == .mantelHaenszel, let measure, ![.rr, .or, .rd].contains(measure) {
            throw Self.invalid("method", "mh (Mantel-Haenszel) pools events per arm: RR, OR or RD, not \(measure.rawValue)")
        }
        return SynthesisQuestion(condition: condition, outcome: outcome, design: design, timepointWeeks: timepointWeeks,
                                 measure: measure, method: method, hartungKnapp: hartungKnapp)
    }

    /// An outcome's code from the vocabulary. Unknown names are refused, with the nearest
    /// measures when some are near (and every measure otherwise): a synthesis of a measure
    /// no record uses would only ever say "no study".
    static func outcomeCode(_ name: String) throws(ErrorBody) -> String {
        if let code = OutcomeVocabulary.code(for: name) { return code }
        let names = OutcomeVocabulary.measures.flatMap { [$0.code] + $0.synonyms }
        var seen = Set<String>()
        let near = suggestions(for: name, among: names, limit: 10).compactMap(OutcomeVocabulary.code(for:))
            .filter { seen.insert($0).inserted }.prefix(3)
        let quoted = "\"\(name.prefix(maximumNameBytes))\""
        throw ErrorBody(
            code: .invalidRequest,
            message: near.isEmpty
                ? "unknown outcome \(quoted); the outcomes are \(OutcomeVocabulary.codes.joined(separator: ", "))"
                : "unknown outcome \(quoted); did you mean \(near.joined(separator: ", "))?",
            details: near.isEmpty ? [ErrorDetail(field: "outcome", message: "unknown outcome")]
                : near.map { ErrorDetail(field: "outcome", message: $0) })
    }

    private static func checkLength(_ value: String, _ field: String) throws(ErrorBody) {
        guard value.utf8.count > maximumNameBytes else { return }
        throw invalid(field, "is \(value.utf8.count) bytes long; at most \(maximumNameBytes) are allowed")
    }

    private static func invalid(_ field: String, _ problem: String) -> ErrorBody {
        ErrorBody(code: .invalidRequest, message: "\(field) \(problem)", details: [ErrorDetail(field: field, message: problem)])
    }
}
