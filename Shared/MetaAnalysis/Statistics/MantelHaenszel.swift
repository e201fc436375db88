import Foundation
import EvidenceModel

/// The Mantel-Haenszel common-effect model for RR, OR and RD, as metafor 3.8's rma.mh
/// computes it (R/rma.mh.r at tag v3.8-1) with its defaults: the pooled estimate and its
/// SE from the raw 2×2 tables (no continuity correction), and Q around that estimate from
/// escalc's effect sizes with drop00 = TRUE (double-zero studies left out of Q only).
enum MantelHaenszel {
    static func pool(labels: [String], tables: [TwoByTwo], effects: [EffectSize], measure: EffectType,
                     options: PoolingOptions) throws(PoolingError) -> PooledResult {
        let cells = tables.map(\.raw)
        let (estimate, se, weights) = try estimateAndWeights(cells, measure: measure)

        let critical = Distributions.criticalValue(level: options.level)
        let statistic = estimate / se
        let kept = tables.indices.filter { !tables[$0].isDoubleZero }
        let heterogeneity = Heterogeneity.aroundEstimate(estimate, yi: kept.map { effects[$0].yi },
                                                         vi: kept.map { effects[$0].vi })
        return PooledResult(
            measure: measure, method: .mantelHaenszel, hartungKnapp: false, k: tables.count,
            estimate: estimate, se: se, ciLow: estimate - critical * se, ciHigh: estimate + critical * se,
            statistic: statistic, df: nil, p: Distributions.normalTwoSidedP(statistic),
            predictionLow: nil, predictionHigh: nil, tau2: 0, tau: 0,
            i2: heterogeneity.i2, h2: heterogeneity.h2, q: heterogeneity.q, qDF: heterogeneity.df, qP: heterogeneity.p,
            iterations: nil,
            studies: StudyResults.make(labels: labels, effects: effects, weights: weights, level: options.level))
    }

    private static func estimateAndWeights(_ t: [TwoByTwo.Cells],
                                           measure: EffectType) throws(PoolingError) -> (Double, Double, [Double]) {
        func sum(_ f: (TwoByTwo.Cells) -> Double) -> Double { t.reduce(0) { $0 + f($1) } }
        func n(_ c: TwoByTwo.Cells) -> Double { c.ai + c.bi + c.ci + c.di }
        func n1(_ c: TwoByTwo.Cells) -> Double { c.ai + c.bi }
        func n2(_ c: TwoByTwo.Cells) -> Double { c.ci + c.di }
        switch measure {
        case .or:
            // Robins, Breslow & Greenland (1986) variance (rma.mh.r lines 523-545).
            let r = sum { $0.ai / n($0) * $0.di }, s = sum { $0.bi / n($0) * $0.ci }
            guard r > 0, s > 0 else {
                throw .notApplicable("the Mantel-Haenszel odds ratio is undefined for these studies: no study has events in one arm together with non-events in the other; use --method fe")
            }
            func pi(_ c: TwoByTwo.Cells) -> Double { (c.ai + c.di) / n(c) }
            func qi(_ c: TwoByTwo.Cells) -> Double { (c.bi + c.ci) / n(c) }
            let variance = 0.5 * (sum { pi($0) * $0.ai / n($0) * $0.di } / (r * r)
                + sum { pi($0) * $0.bi / n($0) * $0.ci + qi($0) * $0.ai / n($0) * $0.di } / (r * s)
                + sum { qi($0) * $0.bi / n($0) * $0.ci } / (s * s))
            // weights.rma.mh: (bi/Ni)*ci
            return (log(r / s), variance.squareRoot(), t.map { $0.bi / n($0) * $0.ci })
        case .rr:
            // Greenland & Robins (1985) variance (rma.mh.r lines 605-623).
            guard sum(\.ai) > 0, sum(\.ci) > 0 else {
                throw .notApplicable("the Mantel-Haenszel risk ratio is undefined: one arm has no events in any study; use --method fe")
            }
            let r = sum { $0.ai * (n2($0) / n($0)) }, s = sum { $0.ci * (n1($0) / n($0)) }
            let variance = sum { (n1($0) / n($0)) * (n2($0) / n($0)) * ($0.ai + $0.ci) - ($0.ai / n($0)) * $0.ci } / (r * s)
            // weights.rma.mh: (ci/Ni)*(ai+bi)
            return (log(r / s), variance.squareRoot(), t.map { $0.ci / n($0) * n1($0) })
        default:
            // RD with the Sato, Greenland & Robins (1989) variance (rma.mh.r lines 633-634).
            let denominator = sum { n1($0) * (n2($0) / n($0)) }
            let estimate = sum { $0.ai * (n2($0) / n($0)) - $0.ci * (n1($0) / n($0)) } / denominator
            let numerator = estimate * sum {
                $0.ci * (n1($0) / n($0)) * (n1($0) / n($0)) - $0.ai * (n2($0) / n($0)) * (n2($0) / n($0))
                    + (n1($0) / n($0)) * (n2($0) / n($0)) * (n2($0) - n1($0)) / 2
            } + sum { $0.ai * (n2($0) - $0.ci) / n($0) + $0.ci * (n1($0) - $0.ai) / n($0) } / 2
            let se = (numerator / (denominator * denominator)).squareRoot()
            guard se > 0, se.isFinite else {
                throw .notApplicable("the Mantel-Haenszel risk difference has no variance here: no study has any event (or every participant had one)")
            }
            // weights.rma.mh: ((ai+bi)/Ni)*(ci+di)
            return (estimate, se, t.map { n1($0) / n($0) * n2($0) })
        }
    }
}
