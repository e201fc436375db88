import Testing
@testable import MetaAnalysis

/// The distribution functions against R 4's qnorm, qt, pt, pnorm and pchisq (printed with
/// `sprintf("%.17g")`), to 1e-9 relative, across and beyond the ranges pooling uses.
struct DistributionsTests {
    static func expectRelative(_ actual: Double, _ expected: Double, _ tolerance: Double = 1e-9,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        let deviation = expected == 0 ? abs(actual) : abs(actual - expected) / abs(expected)
        #expect(deviation <= tolerance, "\(actual) vs R's \(expected) (relative \(deviation))", sourceLocation: sourceLocation)
    }

    @Test func normalQuantileMatchesR() {
        let cases: [(Double, Double)] = [
            (1e-300, -37.047096299361201), (1e-20, -9.2623400897984052), (1e-10, -6.3613409024040557),
            (0.001, -3.0902323061678132), (0.025, -1.9599639845400538), (0.05, -1.6448536269514726),
            (0.3, -0.52440051270804067), (0.5, 0), (0.6, 0.25334710313579978), (0.95, 1.6448536269514715),
            (0.975, 1.9599639845400536), (0.999999, 4.7534243088170891),
        ]
        for (p, expected) in cases { Self.expectRelative(Distributions.normalQuantile(p), expected, 1e-14) }
        #expect(Distributions.normalQuantile(0) == -.infinity && Distributions.normalQuantile(1) == .infinity)
        #expect(Distributions.normalQuantile(1.5).isNaN && Distributions.normalQuantile(.nan).isNaN)
    }

    @Test func tQuantileMatchesR() {
        let dfs: [Double] = [1, 2, 3, 4, 5, 7, 10, 12, 30, 100, 1000, 1e5]
        let expected = [12.706204736174694, 4.3026527297494619, 3.1824463052837078, 2.7764451051977934,
                        2.5705818356363137, 2.3646242515927844, 2.2281388519862739, 2.1788128296672284,
                        2.0422724563012378, 1.9839715185235516, 1.9623390808264076, 1.9599877075346088]
        for (df, value) in zip(dfs, expected) { Self.expectRelative(Distributions.tQuantile(0.975, df: df), value) }
        // qt(c(0.995, 0.95, 0.6, 1e-8), 3)
        for (p, value) in [(0.995, 5.8409093097333544), (0.95, 2.3533634348018246), (0.6, 0.27667066233268983),
                           (1e-8, -479.52506957973867)] {
            Self.expectRelative(Distributions.tQuantile(p, df: 3), value)
        }
        // the critical value pooling uses: qt(0.05/2, 12, lower.tail = FALSE)
        Self.expectRelative(Distributions.criticalValue(level: 0.95, df: 12), 2.1788128296672284)
        Self.expectRelative(Distributions.criticalValue(level: 0.95), 1.9599639845400538)
    }

    @Test func tTailMatchesR() {
        // 2*pt(-abs(t), 12)
        for (t, value) in [(0.1, 0.9219955704568259), (1.5, 0.15945750351320701), (2.5, 0.027915399571325213),
                           (3.9522, 0.0019201532771811719), (10, 3.5813236876723747e-07), (40, 3.8512295807720369e-14)] {
            Self.expectRelative(Distributions.tTwoSidedP(t, df: 12), value)
            Self.expectRelative(Distributions.tTwoSidedP(-t, df: 12), value)
        }
        Self.expectRelative(Distributions.tTwoSidedP(3, df: 1), 0.20483276469913345)
        Self.expectRelative(Distributions.tTwoSidedP(30, df: 1), 0.021212804811070848)
        Self.expectRelative(Distributions.tTwoSidedP(2.2, df: 1000), 0.028035025326697889)
        #expect(Distributions.tTwoSidedP(0, df: 5) == 1)
    }

    @Test func normalTailMatchesR() {
        for (z, value) in [(0.0, 1.0), (0.5, 0.61707507745197387), (1.96, 0.049995790296440856),
                           (3.9744, 7.0556898748260865e-05), (-10.6247, 2.2874645636241987e-26), (30, 9.8134278542963744e-198)] {
            Self.expectRelative(Distributions.normalTwoSidedP(z), value)
        }
    }

    @Test func chiSquareTailMatchesR() {
        // pchisq(x, df, lower.tail = FALSE)
        for (x, df, value) in [(0.0017, 1.0, 0.96711169540447361), (0.5, 1, 0.47950012218695348), (12, 12, 0.4456796413646113),
                               (152.233, 12, 1.9967721373353058e-26), (400, 12, 3.784523657876467e-78),
                               (1500, 30, 3.9605925288243011e-297), (80, 100, 0.92966493334060507)] {
            Self.expectRelative(Distributions.chiSquareUpperTail(x, df: df), value)
        }
        #expect(Distributions.chiSquareUpperTail(0, df: 3) == 1)
        Self.expectRelative(Distributions.chiSquareUpperTail(5, df: 100), 1, 1e-15)
    }
}
