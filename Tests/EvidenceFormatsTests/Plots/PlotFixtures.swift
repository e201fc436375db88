import EvidenceModel
import Foundation
import MetaAnalysis

/// Syntheses written by hand for the plot tests: SYNTHETIC studies, with a common-effect
/// pooled result computed here (inverse variance), so that the plots are tested apart from
/// the models.
enum PlotFixtures {
    struct StudyNumbers {
        var label: String
        var yi: Double
        var vi: Double
        var n: (Int, Int)
    }

    static let z = 1.959963984540054

    static func synthesis(_ studies: [StudyNumbers], measure: EffectType, benefit: Benefit?, pooled: Bool = true,
                          condition: String = "fibromyalgia", outcome: String = "pain") -> Synthesis {
        let weights = studies.map { 1 / $0.vi }, total = weights.reduce(0, +)
        let estimate = zip(studies, weights).map { $0.yi * $1 }.reduce(0, +) / total
        let se = (1 / total).squareRoot()
        let q = zip(studies, weights).map { $1 * pow($0.yi - estimate, 2) }.reduce(0, +)
        let results = zip(studies, weights).map { study, weight in
            StudyResult(label: study.label, yi: study.yi, vi: study.vi, ciLow: study.yi - z * study.vi.squareRoot(),
                        ciHigh: study.yi + z * study.vi.squareRoot(), weight: 100 * weight / total)
        }
        let result = PooledResult(
            measure: measure, method: .reml, hartungKnapp: false, k: studies.count, estimate: estimate, se: se,
            ciLow: estimate - z * se, ciHigh: estimate + z * se, statistic: estimate / se, df: nil, p: 0.0004,
            predictionLow: estimate - 2.5 * se, predictionHigh: estimate + 2.5 * se, tau2: 0.0123, tau: 0.1109, i2: 18.2,
            h2: 1.22, q: q, qDF: studies.count - 1, qP: 0.27, iterations: 5, studies: results)
        let included = studies.map { study in
            IncludedStudy(key: "doi:10.5555/synthetic.\(study.label)", label: study.label, title: "SYNTHETIC \(study.label)",
                          year: 2020, design: .rct, instrument: "synthetic NRS 0-10", timepointWeeks: 12, nTreatment: study.n.0,
                          nControl: study.n.1, effect: EffectSize(yi: study.yi, vi: study.vi), notes: [])
        }
        return Synthesis(question: SynthesisQuestion(condition: condition, outcome: outcome), measure: measure, included: included,
                         excluded: [ExcludedStudy(key: "doi:10.5555/synthetic.x", label: "Synthetic X 2019", reason: "no effect data")],
                         pooled: pooled ? result : nil, notPooled: pooled ? nil : "only 1 study has poolable data",
                         leaveOneOut: [], subgroups: nil, published: [], benefit: benefit)
    }

    /// Mean differences in pain (lower is better): four SYNTHETIC trials, one imprecise.
    static let meanDifferences = synthesis([
        StudyNumbers(label: "Synthetic A 2011", yi: -0.8, vi: 0.04, n: (40, 40)),
        StudyNumbers(label: "Synthetic B 2014", yi: -0.3, vi: 0.09, n: (25, 24)),
        StudyNumbers(label: "Synthetic C 2019", yi: -0.5, vi: 0.02, n: (90, 88)),
        StudyNumbers(label: "Synthetic D 2022", yi: 0.4, vi: 1.5, n: (8, 7)),
    ], measure: .md, benefit: .lower)

    /// Risk ratios of responding (higher is better), on the log scale.
    static let riskRatios = synthesis([
        StudyNumbers(label: "Synthetic E 2010", yi: log(2.0), vi: 0.05, n: (50, 50)),
        StudyNumbers(label: "Synthetic F 2016", yi: log(1.25), vi: 0.03, n: (80, 82)),
        StudyNumbers(label: "Synthetic G 2023", yi: log(0.8), vi: 0.2, n: (20, 20)),
    ], measure: .rr, benefit: .higher, outcome: "remission")
}
