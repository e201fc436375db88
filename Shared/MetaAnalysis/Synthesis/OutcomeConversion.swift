import EvidenceModel
import Foundation

/// One outcome's numbers as a study for a given measure (docs/SYNTHESIS.md, "From a record
/// to an effect size"). A between-group effect the study reports on that measure is used as
/// reported (it is the trial's own analysis, often adjusted); otherwise the arms are.
extension EvidenceSynthesis {
    public static func studyData(_ outcome: Outcome, design: StudyDesign, measure: EffectType) -> Conversion {
        if let effect = outcome.effect, effect.type == measure {
            return reported(effect, design: design, crossover: outcome.crossover)
        }
        guard let arms = outcome.arms else {
            if let effect = outcome.effect, effect.type != .proportion {
                return .unusable(reason: "reports an \(effect.type.rawValue), not an \(measure.rawValue)")
            }
            return .unusable(reason: "no effect data (arms or a between-group effect) for this outcome")
        }
        if design == .crossoverRCT, outcome.crossover == .paired {
            return .unusable(reason: "paired crossover arm data need the within-patient correlation; "
                             + "give the paired effect with its CI or SE instead")
        }
        var notes: [String] = []
        if design == .crossoverRCT { notes.append("crossover periods analysed as parallel arms (conservative)") }
        switch (arms.treatment, arms.control, measure) {
        case let (.binary(a, n1), .binary(c, n2), .rr), let (.binary(a, n1), .binary(c, n2), .or), let (.binary(a, n1), .binary(c, n2), .rd):
            return .usable(.binary(eventsTreatment: a, totalTreatment: n1, eventsControl: c, totalControl: n2), notes: notes)
        case let (.continuous(m1, spread1, n1), .continuous(m2, spread2, n2), .md),
             let (.continuous(m1, spread1, n1), .continuous(m2, spread2, n2), .smd):
            let (sd1, note1) = standardDeviation(spread1, n: n1, arm: "treatment")
            let (sd2, note2) = standardDeviation(spread2, n: n2, arm: "control")
            guard let sd1, let sd2 else {
                return .unusable(reason: "an arm of 1 participant has no SD to recover from its SE or CI")
            }
            notes += [note1, note2].compactMap { $0 }
            return .usable(.continuous(meanTreatment: m1, sdTreatment: sd1, nTreatment: n1,
                                       meanControl: m2, sdControl: sd2, nControl: n2), notes: notes)
        case (.binary, _, _):
            return .unusable(reason: "binary arms (events/total) cannot give an \(measure.rawValue)")
        case (.continuous, _, _):
            return .unusable(reason: "arm means cannot give an \(measure.rawValue)")
        }
    }

    /// A reported effect as an estimate on the analysis scale with its SE: from `se` when
    /// given (on the log scale for ratios), else from the 95% CI.
    private static func reported(_ effect: Effect, design: StudyDesign, crossover: CrossoverAnalysis?) -> Conversion {
        let ratio = effect.type.isRatio
        let yi = ratio ? log(effect.value) : effect.value
        var notes = ["the study's reported \(effect.type.rawValue)"]
        if design == .crossoverRCT, crossover != .paired { notes.append("crossover effect not stated as paired") }
        if let se = effect.se { return .usable(.estimate(yi: yi, se: se), notes: notes) }
        guard let low = effect.ciLow, let high = effect.ciHigh else {
            return .unusable(reason: "reports an \(effect.type.rawValue) without its 95% CI or SE")
        }
        let width = ratio ? log(high) - log(low) : high - low
        guard width > 0, width.isFinite else {
            return .unusable(reason: "the reported 95% CI has no width, so it gives no standard error")
        }
        notes[0] += " (SE from its 95% CI)"
        return .usable(.estimate(yi: yi, se: width / (2 * Distributions.z975)), notes: notes)
    }

    /// An arm's SD from what it reports: SD as given; SE × √n; from a 95% CI of the mean,
    /// √n × width / (2 t₀.₉₇₅,ₙ₋₁) (Cochrane Handbook 6.5.2.2, with t for every n).
    static func standardDeviation(_ spread: Spread, n: Int, arm: String) -> (sd: Double?, note: String?) {
        switch spread {
        case .sd(let sd): return (sd, nil)
        case .se(let se): return (se * Double(n).squareRoot(), "\(arm) SD = SE × √n")
        case .ci(let low, let high):
            guard n >= 2 else { return (nil, nil) }
            let t = Distributions.tQuantile(0.975, df: Double(n - 1))
            return (Double(n).squareRoot() * (high - low) / (2 * t), "\(arm) SD from the 95% CI of its mean (t, \(n - 1) df)")
        }
    }
}
