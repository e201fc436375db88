/// Cochran's Q, its test, I² and H², as metafor 3.8 reports them for each model.
struct Heterogeneity {
    var q: Double
    var df: Int
    var p: Double
    var i2: Double
    var h2: Double

    /// rma.uni, common effect (rma.uni.r lines 2361-2383): Q = max(0, Y'PY) with weights
    /// 1/vi; I² = max(0, 100(Q − (k−1))/Q), H² = Q/(k−1).
    static func commonEffect(yi: [Double], vi: [Double]) -> Heterogeneity {
        let q = cochranQ(yi: yi, vi: vi)
        return fromQ(q, df: yi.count - 1)
    }

    /// rma.uni, random effects (rma.uni.r lines 2375 and 2385-2386): the same Q, but
    /// I² = 100τ²/(ṽ + τ²) and H² = τ²/ṽ + 1 with the "typical" sampling variance
    /// ṽ = (k − 1)/tr(P) (Higgins & Thompson 2002).
    static func randomEffects(yi: [Double], vi: [Double], tau2: Double) -> Heterogeneity {
        let q = cochranQ(yi: yi, vi: vi)
        let df = yi.count - 1
        let typicalVariance = Double(df) / WeightedStudies(yi: yi, vi: vi, tau2: 0).traceP
        return Heterogeneity(q: q, df: df, p: Distributions.chiSquareUpperTail(q, df: Double(df)),
                             i2: 100 * tau2 / (typicalVariance + tau2), h2: tau2 / typicalVariance + 1)
    }

    /// rma.mh (rma.mh.r lines 706-718): Q around the Mantel-Haenszel estimate with weights
    /// 1/vi, over the k′ studies that have an effect size; I² and H² as for a common effect;
    /// with k′ ≤ 1, Q = 0, p = 1, I² = 0, H² = 1.
    static func aroundEstimate(_ estimate: Double, yi: [Double], vi: [Double]) -> Heterogeneity {
        guard yi.count > 1 else { return Heterogeneity(q: 0, df: max(0, yi.count - 1), p: 1, i2: 0, h2: 1) }
        let q = max(0, zip(yi, vi).reduce(0) { $0 + ($1.0 - estimate) * ($1.0 - estimate) / $1.1 })
        return fromQ(q, df: yi.count - 1)
    }

    /// Q = max(0, Y'PY) with weights 1/vi, on centred outcomes (rma.uni.r line 2365).
    static func cochranQ(yi: [Double], vi: [Double]) -> Double {
        max(0, WeightedStudies(yi: WeightedStudies.centered(yi), vi: vi, tau2: 0).residualSumOfSquares)
    }

    /// I² and H² from Q. When Q = 0 metafor's I² is 0/0 (NaN); it is reported as 0 here.
    private static func fromQ(_ q: Double, df: Int) -> Heterogeneity {
        let i2 = q > 0 ? max(0, 100 * (q - Double(df)) / q) : 0
        return Heterogeneity(q: q, df: df, p: Distributions.chiSquareUpperTail(q, df: Double(df)), i2: i2,
                             h2: q / Double(df))
    }
}
