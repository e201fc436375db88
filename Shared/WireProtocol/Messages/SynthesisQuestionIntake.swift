import EvidenceModel
import MetaAnalysis

extension SynthesizeRequest {
    /// The measures a synthesis pools on: every effect type but `proportion`.
    public static let poolableMeasures: [EffectType] = [.rr, .or, .rd, .md, .smd, .hr]

    /// The question this body asks: names turned into codes, defaults filled in, and every
    /// value checked against what a synthesis can do, so that a wrong question is an error a
    /// client can act on, never one that quietly pools nothing for ever. The same rules and
    /// messages as query's `synthesize`; `field` prefixes the fields errors name
    /// (`synthesis.` in `watch.add`).
    public func resolved(field prefix: String = "") throws(ErrorBody) -> SynthesisQuestion {
        func invalid(_ field: String, _ problem: String) -> ErrorBody {
            ErrorBody(code: .invalidRequest, message: "\(prefix)\(field) \(problem)", details: [ErrorDetail(field: prefix + field, message: problem)])
        }
        for (field, value) in [("condition", condition), ("outcome", outcome)] where value.utf8.count > 200 {
            throw invalid(field, "is \(value.utf8.count) bytes long; at most 200 are allowed")
        }
        let conditionCode: String
        do {
            conditionCode = try EvidenceFilter.conditionCode(condition)
        } catch {
            throw Self.prefixed(error, prefix)
        }
        let outcomeCode: String
        do {
            outcomeCode = try Self.outcomeCode(outcome)
        } catch {
            throw Self.prefixed(error, prefix)
        }
        if let timepointWeeks, !(0...1040).contains(timepointWeeks) {
            throw invalid("timepoint_weeks", "must be between 0 and 1040 (20 years), found \(timepointWeeks)")
        }
        if let measure, !Self.poolableMeasures.contains(measure) {
            throw invalid("measure", "must be one of \(Self.poolableMeasures.map(\.rawValue).joined(separator: ", ")), found \(measure.rawValue)")
        }
        let method = method ?? .reml
        let hartungKnapp = hartungKnapp ?? false
        if hartungKnapp && !method.isRandomEffects {
            throw invalid("hartung_knapp", "applies to the random-effects methods (reml, dl), not \(method.rawValue)")
        }
        if method == .mantelHaenszel, let measure, ![.rr, .or, .rd].contains(measure) {
            throw invalid("method", "mh (Mantel-Haenszel) pools events per arm: RR, OR or RD, not \(measure.rawValue)")
        }
        return SynthesisQuestion(condition: conditionCode, outcome: outcomeCode, design: design, timepointWeeks: timepointWeeks,
                                 measure: measure, method: method, hartungKnapp: hartungKnapp)
    }

    /// An outcome's code from the vocabulary. An unknown name is refused with the nearest
    /// measures when some are near, and every measure otherwise: a synthesis of a measure no
    /// record uses would only ever say "no study".
    static func outcomeCode(_ name: String) throws(ErrorBody) -> String {
        if let code = OutcomeVocabulary.code(for: name) { return code }
        let names = OutcomeVocabulary.measures.flatMap { [$0.code] + $0.synonyms }
        var seen = Set<String>()
        let near = suggestions(for: name, among: names, limit: 10).compactMap(OutcomeVocabulary.code(for:))
            .filter { seen.insert($0).inserted }.prefix(3)
        let quoted = "\"\(name.prefix(200))\""
        throw ErrorBody(
            code: .invalidRequest,
            message: near.isEmpty ? "unknown outcome \(quoted); the outcomes are \(OutcomeVocabulary.codes.joined(separator: ", "))"
                : "unknown outcome \(quoted); did you mean \(near.joined(separator: ", "))?",
            details: near.isEmpty ? [ErrorDetail(field: "outcome", message: "unknown outcome")]
                : near.map { ErrorDetail(field: "outcome", message: $0) })
    }

    /// An error about `condition` or `outcome`, with its fields under `prefix`.
    private static func prefixed(_ error: ErrorBody, _ prefix: String) -> ErrorBody {
        guard !prefix.isEmpty else { return error }
        var error = error
        error.message = "\(prefix.dropLast(prefix.hasSuffix(".") ? 1 : 0)): \(error.message)"
        error.details = error.details.map { ErrorDetail(record: $0.record, field: $0.field.map { prefix + $0 }, message: $0.message) }
        return error
    }
}
