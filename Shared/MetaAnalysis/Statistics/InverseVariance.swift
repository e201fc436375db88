import EvidenceModel

/// Inverse-variance pooling as metafor 3.8's rma.uni fits an intercept-only model
/// (R/rma.uni.r at tag v3.8-1), with predict.rma's prediction interval (R/predict.rma.r)
/// and weights.rma.uni's weights (R/weights.rma.uni.r).
enum InverseVariance {
    static func pool(labels: [String], effects: [EffectSize], measure: EffectType,
                     options: PoolingOptions) throws(PoolingError) -> PooledResult {
        let yi = effects.map(\.yi), vi = effects.map(\.vi)
        let k = yi.count
        let (tau2, iterations) = try tauSquared(yi: yi, vi: vi, options: options)

        // beta <- sum(w*y)/sum(w), vb <- 1/sum(w) with w = 1/(vi + tau2) (lines 2161-2189).
        let fit = WeightedStudies(yi: yi, vi: vi, tau2: tau2)
        var variance = 1 / fit.sumOfWeights
        var df: Int?
        if options.hartungKnapp {
            // Knapp & Hartung (2003): vb is scaled by s2w = RSS/(k − 1), RSS = Σw(y − beta)²,
            // and tests use t with k − 1 df (lines 2217-2223, 2282-2288). metafor sets s2w = 0
            // when RSS ≤ machine ε, which would report a standard error of 0: refused instead.
            let rss = fit.residualSumOfSquares
            guard rss > Double.ulpOfOne else {
                throw .notApplicable("Hartung-Knapp cannot be used here: the studies' effects are identical, so its adjusted standard error would be 0")
            }
            variance *= rss / Double(k - 1)
            df = k - 1
        }
        let se = variance.squareRoot()
        let statistic = fit.mean / se
        // crit <- qnorm(level/2, lower.tail=FALSE), or qt(level/2, df=k-1, lower.tail=FALSE) (lines 2326-2340).
        let critical = Distributions.criticalValue(level: options.level, df: df.map(Double.init))
        let p = df.map { Distributions.tTwoSidedP(statistic, df: Double($0)) } ?? Distributions.normalTwoSidedP(statistic)

        let heterogeneity = options.method == .commonEffect
            ? Heterogeneity.commonEffect(yi: yi, vi: vi)
            : Heterogeneity.randomEffects(yi: yi, vi: vi, tau2: tau2)

        // predict.rma (lines 394-399): pi = pred ± crit·sqrt(vpred + tau2), with the same crit as
        // the CI. Only random-effects models get one (for a common effect it would equal the CI).
        var prediction: (low: Double, high: Double)?
        if options.method.isRandomEffects {
            let half = critical * (variance + tau2).squareRoot()
            prediction = (fit.mean - half, fit.mean + half)
        }

        let studyResults = StudyResults.make(labels: labels, effects: effects,
                                             weights: fit.weights, level: options.level)
        return PooledResult(
            measure: measure, method: options.method, hartungKnapp: options.hartungKnapp, k: k,
            estimate: fit.mean, se: se, ciLow: fit.mean - critical * se, ciHigh: fit.mean + critical * se,
            statistic: statistic, df: df, p: p, predictionLow: prediction?.low, predictionHigh: prediction?.high,
            tau2: tau2, tau: tau2.squareRoot(), i2: heterogeneity.i2, h2: heterogeneity.h2,
            q: heterogeneity.q, qDF: heterogeneity.df, qP: heterogeneity.p,
            iterations: iterations, studies: studyResults)
    }

    private static func tauSquared(yi: [Double], vi: [Double],
                                   options: PoolingOptions) throws(PoolingError) -> (Double, Int?) {
        switch options.method {
        case .commonEffect:
            return (0, nil)
        case .derSimonianLaird:
            return (TauSquared.derSimonianLaird(yi: yi, vi: vi), nil)
        case .reml:
            let reml = try TauSquared.restrictedMaximumLikelihood(
                yi: yi, vi: vi, maximumIterations: options.maximumIterations, threshold: options.tolerance)
            return (reml.tau2, reml.iterations)
        case .mantelHaenszel:
            throw .notApplicable("Mantel-Haenszel is not an inverse-variance method")
        }
    }
}
