import ArgumentParser
import EvidenceModel
import Foundation
import MetaAnalysis
import WireProtocol

/// `ldn watch add NAME --synthesis CONDITION:OUTCOME …`: the options of a synthesis watch.
struct SynthesisWatchOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Follow a pooled result instead of a filter: a condition and an outcome, e.g. fibromyalgia:pain. "
                               + "A change that moves its estimate, CI, k or I² is delivered, with the figures before and after.",
                               valueName: "condition:outcome"))
    var synthesis: String?

    @Option(help: "With --synthesis: the effect measure (RR, OR, RD, MD, SMD, HR); chosen from the data when not given.",
            transform: { try lenient($0, as: EffectType.self, option: "--measure") })
    var measure: EffectType?

    @Option(help: "With --synthesis: the model: reml (default), dl, fe or mh.",
            transform: { try lenient($0, as: PoolingMethod.self, option: "--method") })
    var method: PoolingMethod?

    @Flag(help: "With --synthesis: the Hartung-Knapp adjustment (random-effects models).")
    var hartungKnapp = false

    @Option(help: "With --synthesis: only outcomes measured at this many weeks.")
    var timepointWeeks: Double?

    /// The question as the request carries it; nil without `--synthesis`. The notifier
    /// resolves names and checks the rest.
    func request(design: [StudyDesign]) throws -> SynthesizeRequest? {
        guard let synthesis else { return nil }
        // Split at the last colon: a condition may be `other:…`.
        guard let colon = synthesis.lastIndex(of: ":"), colon != synthesis.startIndex, synthesis.index(after: colon) != synthesis.endIndex else {
            throw ValidationError("--synthesis takes a condition and an outcome as CONDITION:OUTCOME, e.g. fibromyalgia:pain")
        }
        guard design.count <= 1 else { throw ValidationError("--synthesis takes at most one --design") }
        return SynthesizeRequest(condition: String(synthesis[..<colon]), outcome: String(synthesis[synthesis.index(after: colon)...]),
                                 design: design.first, timepointWeeks: timepointWeeks, measure: measure, method: method,
                                 hartungKnapp: hartungKnapp ? true : nil)
    }

    /// The options a plain watch takes none of, when given without `--synthesis`.
    var givenWithoutSynthesis: String? {
        guard synthesis == nil else { return nil }
        return [measure.map { _ in "--measure" }, method.map { _ in "--method" }, hartungKnapp ? "--hartung-knapp" : nil,
                timepointWeeks.map { _ in "--timepoint-weeks" }].compactMap { $0 }.first
    }
}

/// An enumeration value matched as `LenientArgument` matches (ignoring case, spaces, hyphens).
private func lenient<Value: CaseIterable & RawRepresentable>(_ text: String, as: Value.Type, option: String) throws -> Value
where Value.RawValue == String {
    let key = text.folded
    guard let value = Value.allCases.first(where: { $0.rawValue == text || $0.rawValue.folded == key }) else {
        throw ValidationError("\(option) must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(text)\"")
    }
    return value
}

/// How `ldn watch` shows a synthesis watch's question and figures.
enum SynthesisText {
    /// "pain in fibromyalgia (reml, Hartung-Knapp, MD, rct, at 12 weeks)".
    static func question(_ question: SynthesisQuestion) -> String {
        var options = [question.method.rawValue]
        if question.hartungKnapp { options.append("Hartung-Knapp") }
        if let measure = question.measure { options.append(measure.rawValue) }
        if let design = question.design { options.append(design.rawValue) }
        if let weeks = question.timepointWeeks { options.append("at \(number(weeks)) weeks") }
        return "\(question.outcome) in \(question.condition) (\(options.joined(separator: ", ")))"
    }

    /// "k=12 MD -0.41 [-0.60, -0.22] I²=35%", ratios on their natural scale ("RR 0.82 [0.70, 0.95]");
    /// "k=1, not pooled" when there is no pooled estimate.
    static func figures(_ headline: SynthesisHeadline) -> String {
        guard let estimate = headline.estimate, let measure = headline.measure else { return "k=\(headline.k), not pooled" }
        var text = "k=\(headline.k) \(measure.rawValue) \(value(estimate, measure))"
        if let low = headline.ciLow, let high = headline.ciHigh { text += " [\(value(low, measure)), \(value(high, measure))]" }
        if let i2 = headline.i2 { text += " I²=\(String(format: "%.0f", i2))%" }
        return text
    }

    /// One stream line: `seq 42 #3 k 11→12, MD -0.38 → -0.41 [-0.6, -0.22], I² 30→35% (…/abc.123)`, at most 80 columns.
    static func line(_ match: MatchHeader, _ move: SynthesisMove) -> String {
        let (before, after) = (move.before, move.after)
        var text = "seq \(match.change.seq) #\(match.delivery) k \(before.k)→\(after.k)"
        if let measure = after.measure ?? before.measure {
            let was = before.estimate.map { value($0, measure) } ?? "none"
            let now = after.estimate.map { value($0, measure) } ?? "none"
            text += ", \(measure.rawValue) \(was) → \(now)"
            if let low = after.ciLow, let high = after.ciHigh { text += " [\(value(low, measure)), \(value(high, measure))]" }
        }
        if before.i2 != nil || after.i2 != nil {
            text += ", I² \(before.i2.map { String(format: "%.0f", $0) } ?? "-")→\(after.i2.map { String(format: "%.0f", $0) } ?? "-")%"
        }
        if match.change.status == .retracted { text += " [retracted]" }
        let room = 80 - text.count - 3
        let key = match.change.key
        guard room >= 8 else { return text }
        // Cut at the front: a key's end (a DOI's suffix, a PMID) tells records apart.
        return text + " (\(key.count > room ? "…" + String(key.suffix(room - 1)) : key))"
    }

    /// On the natural scale (ratios are pooled on the log scale), three significant digits.
    private static func value(_ analysisScale: Double, _ measure: EffectType) -> String {
        number(measure.isRatio ? exp(analysisScale) : analysisScale)
    }

    private static func number(_ value: Double) -> String {
        let text = String(format: "%.3g", value)
        return text == "-0" ? "0" : text
    }
}
