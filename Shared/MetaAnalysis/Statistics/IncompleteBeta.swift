import Foundation

/// The regularized incomplete beta function I_x(a, b), which gives Student's t tails.
enum IncompleteBeta {
    /// I_x(a, b), with `y` = 1 − x passed separately so that an x close to 1 loses no
    /// precision. The continued fraction of Numerical Recipes (Press et al., 3rd ed., §6.4,
    /// `betai`/`betacf`), evaluated by the modified Lentz method; it converges fast for
    /// x < (a+1)/(a+b+2), and the symmetry I_x(a,b) = 1 − I_y(b,a) covers the rest.
    static func regularized(a: Double, b: Double, x: Double, y: Double) -> Double {
        guard a > 0, b > 0, x >= 0, y >= 0 else { return .nan }
        if x == 0 { return 0 }
        if y == 0 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(y)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(a: a, b: b, x: x) / a
        }
        return 1 - exp(logFront) * continuedFraction(a: b, b: a, x: y) / b
    }

    private static func continuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300, epsilon = 1e-16
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...100_000 {
            let m = Double(m), m2 = 2 * m
            // Even step.
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            // Odd step.
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) <= epsilon { break }
        }
        return h
    }
}
