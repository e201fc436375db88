/// Quantiles and tail probabilities of the distributions the models test against.
/// Each is accurate to about 1e-13 relative in the ranges pooling uses (checked against R
/// in Tests/MetaAnalysisTests/DistributionsTests.swift); the algorithms are cited where
/// they are implemented.
public enum Distributions {
    /// The standard normal's p-quantile (`qnorm(p)`).
    public static func normalQuantile(_ p: Double) -> Double { NormalDistribution.quantile(p) }

    /// The standard normal's 97.5% point: a 95% interval spans ±z975 standard errors.
    public static let z975 = normalQuantile(0.975)

    /// Student's t p-quantile with `df` degrees of freedom (`qt(p, df)`).
    public static func tQuantile(_ p: Double, df: Double) -> Double { StudentTDistribution.quantile(p, df: df) }

    /// Two-sided p for a z statistic (`2 * pnorm(-|z|)`).
    public static func normalTwoSidedP(_ z: Double) -> Double { NormalDistribution.twoSidedP(z) }

    /// Two-sided p for a t statistic (`2 * pt(-|t|, df)`).
    public static func tTwoSidedP(_ t: Double, df: Double) -> Double { StudentTDistribution.twoSidedP(t, df: df) }

    /// Upper tail of the χ² distribution (`pchisq(x, df, lower.tail = FALSE)`).
    public static func chiSquareUpperTail(_ x: Double, df: Double) -> Double {
        guard !x.isNaN, df > 0, df.isFinite else { return .nan }
        guard x > 0 else { return 1 }
        guard x.isFinite else { return 0 }
        // P(χ²_df > x) = Q(df/2, x/2), the regularized upper incomplete gamma function.
        return IncompleteGamma.upperRegularized(a: df / 2, x: x / 2)
    }

    /// The two-sided critical value for `level` (0.95 → 1.959964…): `qnorm(1 - α/2)`, or
    /// `qt(1 - α/2, df)` when `df` is given. metafor asks for the upper tail of α/2 directly
    /// (`lower.tail = FALSE`), and so does this, so no precision is lost in 1 - α/2.
    static func criticalValue(level: Double, df: Double? = nil) -> Double {
        let upperTail = (1 - level) / 2
        if let df { return StudentTDistribution.upperQuantile(upperTail, df: df) }
        return -NormalDistribution.quantile(upperTail)
    }
}
