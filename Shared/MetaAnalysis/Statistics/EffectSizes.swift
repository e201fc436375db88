import Foundation
import EvidenceModel

/// One study's effect size and sampling variance as metafor 3.8's `escalc` computes them
/// (R/escalc.r at tag v3.8-1), with its defaults add = 1/2, to = "only0", drop00 = FALSE,
/// vtype = "LS". Ratios are on the log scale.
enum EffectSizes {
    static func compute(_ data: StudyData, measure: EffectType, label: String) throws(PoolingError) -> EffectSize {
        if let reason = StudyChecks.unpoolableMeasure(measure) { throw .notApplicable(reason) }
        if let reason = StudyChecks.incompatibility(data, measure: measure) { throw .unusable(label: label, reason: reason) }
        let effect: EffectSize
        switch data {
        case let .binary(eventsTreatment, totalTreatment, eventsControl, totalControl):
            if let reason = StudyChecks.binaryArm(events: eventsTreatment, total: totalTreatment, arm: "treatment")
                ?? StudyChecks.binaryArm(events: eventsControl, total: totalControl, arm: "control") {
                throw .unusable(label: label, reason: reason)
            }
            let table = TwoByTwo(eventsTreatment: eventsTreatment, totalTreatment: totalTreatment,
                                 eventsControl: eventsControl, totalControl: totalControl)
            effect = binary(table.continuityCorrected, measure: measure)
        case let .continuous(meanTreatment, sdTreatment, nTreatment, meanControl, sdControl, nControl):
            if let reason = StudyChecks.continuousArm(mean: meanTreatment, sd: sdTreatment, n: nTreatment, arm: "treatment")
                ?? StudyChecks.continuousArm(mean: meanControl, sd: sdControl, n: nControl, arm: "control") {
                throw .unusable(label: label, reason: reason)
            }
            effect = try continuous(m1: meanTreatment, sd1: sdTreatment, n1: Double(nTreatment),
                                    m2: meanControl, sd2: sdControl, n2: Double(nControl), measure: measure, label: label)
        case let .estimate(yi, se):
            guard yi.isFinite else { throw .unusable(label: label, reason: "the effect estimate is not a finite number") }
            guard se.isFinite, se > 0 else {
                throw .unusable(label: label, reason: "the standard error must be a positive finite number, not \(se)")
            }
            effect = EffectSize(yi: yi, vi: se * se)
        }
        guard effect.yi.isFinite, effect.vi.isFinite, effect.vi > 0 else {
            throw .unusable(label: label, reason: "the numbers are too extreme to give a finite effect size and a positive variance")
        }
        return effect
    }

    /// RR, OR and RD from a (corrected) 2×2 table (escalc.r lines 296-380).
    private static func binary(_ t: TwoByTwo.Cells, measure: EffectType) -> EffectSize {
        let n1 = t.ai + t.bi, n2 = t.ci + t.di
        let p1 = t.ai / n1, p2 = t.ci / n2
        switch measure {
        case .or:
            // yi <- log(p1i/(1-p1i)) - log(p2i/(1-p2i)); vi <- 1/ai + 1/bi + 1/ci + 1/di
            return EffectSize(yi: log(p1 / (1 - p1)) - log(p2 / (1 - p2)), vi: 1 / t.ai + 1 / t.bi + 1 / t.ci + 1 / t.di)
        case .rd:
            // yi <- p1i - p2i; vtype "LS": vi <- p1i*(1-p1i)/n1i + p2i*(1-p2i)/n2i
            return EffectSize(yi: p1 - p2, vi: p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
        default:
            // RR: yi <- log(p1i) - log(p2i); vi <- 1/ai - 1/n1i + 1/ci - 1/n2i
            return EffectSize(yi: log(p1) - log(p2), vi: 1 / t.ai - 1 / n1 + 1 / t.ci - 1 / n2)
        }
    }

    /// MD and SMD from arm means (escalc.r lines 802-894).
    private static func continuous(m1: Double, sd1: Double, n1: Double, m2: Double, sd2: Double, n2: Double,
                                   measure: EffectType, label: String) throws(PoolingError) -> EffectSize {
        if measure == .md {
            // yi <- m1i - m2i; vtype "LS": vi <- sd1i^2/n1i + sd2i^2/n2i
            return EffectSize(yi: m1 - m2, vi: sd1 * sd1 / n1 + sd2 * sd2 / n2)
        }
        // SMD, Hedges' g: mi <- n1i + n2i - 2; sdpi <- sqrt(((n1i-1)*sd1i^2 + (n2i-1)*sd2i^2)/mi);
        // yi <- cmi * (m1i - m2i)/sdpi with the exact correction
        // cmi <- exp(lgamma(mi/2) - log(sqrt(mi/2)) - lgamma((mi-1)/2)) (misc.func.hidden.escalc.r, .cmicalc);
        // vtype "LS": vi <- 1/n1i + 1/n2i + yi^2/(2*(n1i + n2i)).
        let mi = n1 + n2 - 2
        guard mi > 1 else {
            throw .unusable(label: label, reason: "a standardised mean difference needs at least 4 participants in all (Hedges' correction uses n − 2 degrees of freedom)")
        }
        let pooledSD = (((n1 - 1) * sd1 * sd1 + (n2 - 1) * sd2 * sd2) / mi).squareRoot()
        guard pooledSD.isFinite, pooledSD > 0 else {
            throw .unusable(label: label, reason: "the standard deviations are too extreme to pool into one (\(sd1), \(sd2))")
        }
        let correction = exp(lgamma(mi / 2) - log((mi / 2).squareRoot()) - lgamma((mi - 1) / 2))
        let yi = correction * (m1 - m2) / pooledSD
        return EffectSize(yi: yi, vi: 1 / n1 + 1 / n2 + yi * yi / (2 * (n1 + n2)))
    }
}

/// A study's 2×2 table: events and non-events per arm (metafor's ai, bi, ci, di).
struct TwoByTwo: Sendable, Hashable {
    struct Cells: Sendable, Hashable {
        var ai: Double, bi: Double, ci: Double, di: Double
    }

    var raw: Cells

    init(eventsTreatment: Int, totalTreatment: Int, eventsControl: Int, totalControl: Int) {
        raw = Cells(ai: Double(eventsTreatment), bi: Double(totalTreatment - eventsTreatment),
                    ci: Double(eventsControl), di: Double(totalControl - eventsControl))
    }

    /// to = "only0", add = 1/2: 1/2 is added to every cell of a table with a zero cell
    /// (escalc.r lines 237-259). metafor does this for RR, OR and RD alike.
    var continuityCorrected: Cells {
        hasZeroCell ? Cells(ai: raw.ai + 0.5, bi: raw.bi + 0.5, ci: raw.ci + 0.5, di: raw.di + 0.5) : raw
    }

    var hasZeroCell: Bool { raw.ai == 0 || raw.bi == 0 || raw.ci == 0 || raw.di == 0 }

    /// No events in either arm, or only events in both: the table says nothing about a
    /// ratio (metafor's drop00 test, escalc.r line 207).
    var isDoubleZero: Bool { (raw.ai == 0 && raw.ci == 0) || (raw.bi == 0 && raw.di == 0) }
}
