import Foundation

/// The regularized upper incomplete gamma function Q(a, x), which gives χ² tails.
enum IncompleteGamma {
    /// Q(a, x) = 1 − P(a, x) as in Numerical Recipes (Press et al., 3rd ed., §6.2,
    /// `gser`/`gcf`): the series for P when x < a + 1, else the continued fraction for Q
    /// (modified Lentz), so that a small upper tail keeps its relative accuracy.
    static func upperRegularized(a: Double, x: Double) -> Double {
        guard a > 0, x >= 0 else { return .nan }
        if x == 0 { return 1 }
        let logFront = a * log(x) - x - lgamma(a)
        if x < a + 1 {
            var term = 1 / a, sum = term, ap = a
            for _ in 0..<100_000 {
                ap += 1
                term *= x / ap
                sum += term
                if abs(term) < abs(sum) * 1e-17 { break }
            }
            return 1 - sum * exp(logFront)
        }
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for i in 1...100_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) <= 1e-16 { break }
        }
        return exp(logFront) * h
    }
}
