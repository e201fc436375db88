import Foundation

/// Estimators of the between-study variance τ² in metafor 3.8's rma.uni (R/rma.uni.r at
/// tag v3.8-1), for the intercept-only model.
enum TauSquared {
    /// DerSimonian-Laird (rma.uni.r lines 1180-1191, then 1582):
    /// τ² = max(0, (Q − (k − 1)) / tr(P)) with weights 1/vi.
    static func derSimonianLaird(yi: [Double], vi: [Double]) -> Double {
        let studies = WeightedStudies(yi: WeightedStudies.centered(yi), vi: vi, tau2: 0)
        let k = Double(yi.count)
        return max(0, (studies.residualSumOfSquares - (k - 1)) / studies.traceP)
    }

    /// REML by Fisher scoring, as rma.uni.r lines 1164-1175 and 1464-1582 do it:
    /// - start at the Hedges (HE) estimate max(0, (Σ(y − ȳ)² − (1 − 1/k)Σvi) / (k − 1));
    /// - step adj = (Y'PPY − tr(P)) / tr(PP), halved while τ² + adj < 0;
    /// - stop when |Δτ²| ≤ `threshold`; more than `maximumIterations` steps is a failure;
    /// - then the "ll0check": if the REML log-likelihood at τ² = 0 is higher by more than
    ///   ε^¼ (≈ 1.22e-4) and τ² > threshold, τ² is set to 0 (a local maximum).
    static func restrictedMaximumLikelihood(yi: [Double], vi: [Double], maximumIterations: Int,
                                            threshold: Double) throws(PoolingError) -> (tau2: Double, iterations: Int) {
        let centered = WeightedStudies.centered(yi)
        let k = Double(yi.count)
        let hedges = (centered.reduce(0) { $0 + $1 * $1 } - (1 - 1 / k) * vi.reduce(0, +)) / (k - 1)
        var tau2 = max(0, hedges)
        var iterations = 0
        var change = threshold + 1
        while change > threshold {
            iterations += 1
            let previous = tau2
            let studies = WeightedStudies(yi: centered, vi: vi, tau2: tau2)
            var adjustment = (studies.residualSumOfSquaredWeightedResiduals - studies.traceP) / studies.tracePP
            guard adjustment.isFinite else { throw .didNotConverge(iterations: iterations) }
            // Step-halving; at τ² = 0 metafor halves a negative step until it underflows to 0.
            if tau2 + adjustment < 0 {
                if tau2 == 0 {
                    adjustment = 0
                } else {
                    while tau2 + adjustment < 0 { adjustment /= 2 }
                }
            }
            tau2 += adjustment
            change = abs(previous - tau2)
            if iterations > maximumIterations { throw .didNotConverge(iterations: maximumIterations) }
        }
        let tolerance = pow(Double.ulpOfOne, 0.25)
        if logLikelihood(centered, vi, tau2: 0) - logLikelihood(centered, vi, tau2: tau2) > tolerance && tau2 > threshold {
            tau2 = 0
        }
        return (max(0, tau2), iterations)
    }

    /// The REML log-likelihood of the intercept-only model (rma.uni.r lines 1540 and 1554):
    /// −½(k−1)log(2π) − ½Σlog(vi + τ²) − ½log(Σw) − ½Σw(y − ȳ_w)².
    private static func logLikelihood(_ yi: [Double], _ vi: [Double], tau2: Double) -> Double {
        let studies = WeightedStudies(yi: yi, vi: vi, tau2: tau2)
        let k = Double(yi.count)
        return -0.5 * (k - 1) * log(2 * Double.pi) - 0.5 * vi.reduce(0) { $0 + log($1 + tau2) }
            - 0.5 * log(studies.sumOfWeights) - 0.5 * studies.residualSumOfSquares
    }
}
