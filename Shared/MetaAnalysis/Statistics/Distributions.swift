/// Quantiles and tail probabilities of the distributions the models test against.
public enum Distributions {
    /// The standard normal's p-quantile (`qnorm(p)`).
    public static func normalQuantile(_ p: Double) -> Double { .nan }

    /// Student's t p-quantile with `df` degrees of freedom (`qt(p, df)`).
    public static func tQuantile(_ p: Double, df: Double) -> Double { .nan }

    /// Two-sided p for a z statistic (`2 * pnorm(-|z|)`).
    public static func normalTwoSidedP(_ z: Double) -> Double { .nan }

    /// Two-sided p for a t statistic (`2 * pt(-|t|, df)`).
    public static func tTwoSidedP(_ t: Double, df: Double) -> Double { .nan }

    /// Upper tail of the χ² distribution (`pchisq(x, df, lower.tail = FALSE)`).
    public static func chiSquareUpperTail(_ x: Double, df: Double) -> Double { .nan }
}
