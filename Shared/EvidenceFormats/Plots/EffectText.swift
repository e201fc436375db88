import EvidenceModel
import Foundation
import MetaAnalysis

/// How a synthesis's figures are written for people, the same in the terminal and in plots:
/// effects on their natural scale (a ratio as a ratio, not its log), a few significant
/// digits, ASCII minus signs.
public enum EffectText {
    /// A figure with two decimals in the usual range, fewer for large ones, more for tiny ones.
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        let magnitude = abs(value)
        let text: String
        switch magnitude {
        case 0: text = "0.00"
        case 1000...: text = String(format: "%.0f", value)
        case 100..<1000: text = String(format: "%.1f", value)
        case 0.01..<100: text = String(format: "%.2f", value)
        default: text = String(format: "%.2g", value)
        }
        return text == "-0.00" ? "0.00" : text
    }

    /// A value on the analysis scale, on its natural one: e^y for ratios.
    public static func natural(_ value: Double, ratio: Bool) -> Double { ratio ? exp(value) : value }

    /// "-0.34 [-0.95, 0.27]" from analysis-scale figures.
    public static func estimate(_ value: Double, _ low: Double, _ high: Double, ratio: Bool) -> String {
        "\(number(natural(value, ratio: ratio))) [\(number(natural(low, ratio: ratio))), \(number(natural(high, ratio: ratio)))]"
    }

    /// "p < 0.001", "p = 0.027", "p = 0.27".
    public static func p(_ value: Double) -> String {
        guard value.isFinite else { return "p = -" }
        if value < 0.001 { return "p < 0.001" }
        return value < 0.1 ? String(format: "p = %.3f", value) : String(format: "p = %.2f", value)
    }

    /// "τ² = 0.0123, I² = 18.2%, Q = 13.41 (df = 11), p = 0.27".
    public static func heterogeneity(_ result: PooledResult) -> String {
        "τ² = \(String(format: "%.4g", result.tau2)), I² = \(String(format: "%.1f", result.i2))%, "
            + "Q = \(String(format: "%.2f", result.q)) (df = \(result.qDF)), \(p(result.qP))"
    }

    public static func measureName(_ measure: EffectType) -> String {
        switch measure {
        case .md: "mean difference"
        case .smd: "standardised mean difference (Hedges' g)"
        case .rr: "risk ratio"
        case .or: "odds ratio"
        case .rd: "risk difference"
        case .hr: "hazard ratio"
        case .proportion: "proportion"
        }
    }

    /// "random effects (REML)", "common effect (Mantel-Haenszel)"; with Hartung-Knapp when used.
    public static func methodName(_ method: PoolingMethod, hartungKnapp: Bool) -> String {
        let name = switch method {
        case .reml: "random effects (REML)"
        case .derSimonianLaird: "random effects (DerSimonian-Laird)"
        case .commonEffect: "common effect (inverse variance)"
        case .mantelHaenszel: "common effect (Mantel-Haenszel)"
        }
        return hartungKnapp ? name + " with the Hartung-Knapp adjustment" : name
    }

    /// "REML", "DL", "FE", "MH": the pooled row's label.
    public static func methodShort(_ method: PoolingMethod) -> String { method.rawValue.uppercased() }
}
