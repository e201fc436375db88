/// Effect sizes with inverse-variance weights w = 1/(vi + τ²), and the sums every
/// intercept-only model in metafor's rma.uni is built from. With X a column of ones,
/// P = W − w wᵀ/Σw, so Y'PY = Σw(y − ȳ_w)² and tr(P) = Σw − Σw²/Σw; no k×k matrix is formed.
struct WeightedStudies {
    let yi: [Double]
    let weights: [Double]
    let sumOfWeights: Double
    /// The weighted mean Σw·y/Σw (rma.uni.r line 2187, beta for an intercept-only model).
    let mean: Double

    init(yi: [Double], vi: [Double], tau2: Double) {
        self.yi = yi
        weights = vi.map { 1 / ($0 + tau2) }
        sumOfWeights = weights.reduce(0, +)
        mean = zip(weights, yi).reduce(0) { $0 + $1.0 * $1.1 } / sumOfWeights
    }

    /// Σw(y − ȳ_w)² = Y'PY.
    var residualSumOfSquares: Double {
        zip(weights, yi).reduce(0) { $0 + $1.0 * ($1.1 - mean) * ($1.1 - mean) }
    }

    /// Y'PPY = Σw²(y − ȳ_w)², since PY = w∘(y − ȳ_w).
    var residualSumOfSquaredWeightedResiduals: Double {
        zip(weights, yi).reduce(0) { $0 + $1.0 * $1.0 * ($1.1 - mean) * ($1.1 - mean) }
    }

    /// tr(P) = Σw − Σw²/Σw.
    var traceP: Double { sumOfWeights - sumOfSquaredWeights / sumOfWeights }

    /// tr(PP) = Σw² − 2Σw³/Σw + (Σw²)²/(Σw)².
    var tracePP: Double {
        let w2 = sumOfSquaredWeights
        let w3 = weights.reduce(0) { $0 + $1 * $1 * $1 }
        return w2 - 2 * w3 / sumOfWeights + w2 * w2 / (sumOfWeights * sumOfWeights)
    }

    var sumOfSquaredWeights: Double { weights.reduce(0) { $0 + $1 * $1 } }

    /// yi − mean(yi): metafor centres the outcomes before estimating τ² and Q "to increase
    /// the stability of the computations" (rma.uni.r line 1103); P removes the constant.
    static func centered(_ yi: [Double]) -> [Double] {
        let mean = yi.reduce(0, +) / Double(yi.count)
        return yi.map { $0 - mean }
    }
}
