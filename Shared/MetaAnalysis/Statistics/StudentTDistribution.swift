import Foundation

/// Student's t distribution with `df` degrees of freedom.
enum StudentTDistribution {
    /// `2 * pt(-|t|, df)` = I_{df/(df+t²)}(df/2, 1/2) (Abramowitz & Stegun 26.7.1 with 26.5.27).
    static func twoSidedP(_ t: Double, df: Double) -> Double {
        guard !t.isNaN, df > 0, !df.isNaN else { return .nan }
        if df.isInfinite { return NormalDistribution.twoSidedP(t) }
        if t.isInfinite { return 0 }
        let t2 = t * t
        return IncompleteBeta.regularized(a: df / 2, b: 0.5, x: df / (df + t2), y: t2 / (df + t2))
    }

    /// `qt(p, df)`.
    static func quantile(_ p: Double, df: Double) -> Double {
        guard !p.isNaN, p >= 0, p <= 1, df > 0, !df.isNaN else { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        if p == 0.5 { return 0 }
        return p < 0.5 ? -upperQuantile(p, df: df) : upperQuantile(1 - p, df: df)
    }

    /// The t > 0 with P(T > t) = `tail` (`qt(tail, df, lower.tail = FALSE)`), 0 < tail < 0.5.
    /// Exact for 1 and 2 degrees of freedom; otherwise Newton's method on the exact tail,
    /// started from the Cornish-Fisher expansion (Abramowitz & Stegun 26.7.5) and kept
    /// inside a bracket (bisection when a step would leave it), to full double precision.
    static func upperQuantile(_ tail: Double, df: Double) -> Double {
        guard tail > 0, tail < 0.5, df > 0 else {
            if tail == 0.5 { return 0 }
            if tail == 0 { return .infinity }
            return .nan
        }
        if df.isInfinite { return -NormalDistribution.quantile(tail) }
        if df == 1 { return 1 / tan(Double.pi * tail) }
        if df == 2 { return (1 - 2 * tail) / (2 * tail * (1 - tail)).squareRoot() }

        func upperTail(_ t: Double) -> Double { 0.5 * twoSidedP(t, df: df) }
        let logDensityConstant = lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * log(df * Double.pi)
        func density(_ t: Double) -> Double { exp(logDensityConstant - (df + 1) / 2 * log1p(t * t / df)) }

        var t = cornishFisher(z: -NormalDistribution.quantile(tail), df: df)
        if !(t > 0) || !t.isFinite { t = 1 }
        // Bracket: upperTail(low) > tail > upperTail(high).
        var low = 0.0, high = t
        while upperTail(high) > tail && high < 1e300 { low = high; high *= 2 }
        if t <= low || t >= high { t = (low + high) / 2 }
        for _ in 0..<200 {
            let excess = upperTail(t) - tail
            if excess > 0 { low = t } else { high = t }
            var next = t + excess / density(t)
            if !(next > low && next < high) { next = (low + high) / 2 }
            if abs(next - t) <= 1e-15 * next { return next }
            t = next
        }
        return t
    }

    private static func cornishFisher(z: Double, df: Double) -> Double {
        let z2 = z * z
        let g1 = (z2 + 1) * z / 4
        let g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
        let g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
        let g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
        return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df
    }
}
