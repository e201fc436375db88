import EvidenceFormats
import EvidenceModel
import Foundation
import MetaAnalysis

/// `ldn synthesize` as text: what was pooled and how, the studies with their effects and
/// weights, the forest plot, the pooled figures beside the published ones, then what was
/// left out and the sensitivity analyses. When nothing could be pooled it says so first,
/// and still shows every study there is.
struct SynthesisView {
    let synthesis: Synthesis
    /// More leave-one-out results than this are summed up by the most influential.
    static let leaveOneOutShown = 20

    var plot: ForestPlot { ForestPlot(synthesis, title: Self.title(synthesis)) }
    var ratio: Bool { plot.ratio }

    /// "Fibromyalgia · pain": the condition's name and the outcome.
    static func title(_ synthesis: Synthesis) -> String {
        "\(ConditionVocabulary.displayName(code: synthesis.question.condition)) · \(synthesis.question.outcome)"
    }

    func render() -> String {
        var lines = headline
        if let notPooled = synthesis.notPooled { lines += TextWrap.lines(notPooled, width: 80, indent: "Not pooled: ") }
        if !synthesis.included.isEmpty {
            lines += ["", studyTable(), "", ForestPlotText(plot).render()]
        }
        if let pooled = synthesis.pooled { lines += [""] + pooledLines(pooled) }
        if !synthesis.published.isEmpty { lines += [""] + publishedLines() }
        if !synthesis.excluded.isEmpty { lines += [""] + excludedLines() }
        if !synthesis.leaveOneOut.isEmpty { lines += [""] + leaveOneOutLines() }
        if let subgroups = synthesis.subgroups, !subgroups.groups.isEmpty { lines += [""] + subgroupLines(subgroups) }
        return lines.joined(separator: "\n")
    }

    /// "Fibromyalgia · pain: 8 studies pooled", then the measure and the model.
    var headline: [String] {
        let title = Self.title(synthesis)
        guard let pooled = synthesis.pooled else {
            return ["\(title): not pooled (\(count(synthesis.included.count, "study", "studies")) with usable data)"]
        }
        return ["\(title): \(count(pooled.k, "study", "studies")) pooled",
                "\(pooled.measure.rawValue), \(EffectText.measureName(pooled.measure)) · "
                    + EffectText.methodName(pooled.method, hartungKnapp: pooled.hartungKnapp)]
    }

    func studyTable() -> String {
        let measure = plot.measure?.rawValue ?? "EFFECT"
        var table = Table("STUDY", "DESIGN", "N LDN/CONTROL", "\(measure) [95% CI]", "WEIGHT")
        for row in plot.rows {
            table.add(row.label, row.design.rawValue, "\(row.nTreatment.map(String.init) ?? "-")/\(row.nControl.map(String.init) ?? "-")",
                      row.drawable ? EffectText.estimate(row.estimate, row.ciLow, row.ciHigh, ratio: ratio) : "-",
                      row.weight.map { String(format: "%.1f%%", $0) } ?? "-")
        }
        return table.render()
    }

    func pooledLines(_ pooled: PooledResult) -> [String] {
        let statistic = pooled.df.map { "t = \(EffectText.number(pooled.statistic)) (df = \($0))" }
            ?? "z = \(EffectText.number(pooled.statistic))"
        var lines = ["\(plot.pooledLabel), k = \(pooled.k): \(figure(pooled))  \(statistic), \(EffectText.p(pooled.p))",
                     "Heterogeneity: \(EffectText.heterogeneity(pooled))"]
        if let low = pooled.predictionLow, let high = pooled.predictionHigh {
            lines.append("Prediction interval: \(EffectText.number(EffectText.natural(low, ratio: ratio))) to "
                         + "\(EffectText.number(EffectText.natural(high, ratio: ratio)))")
        }
        if let iterations = pooled.iterations { lines.append("REML converged in \(count(iterations, "iteration", "iterations")).") }
        return lines
    }

    /// "MD -0.38 [95% CI -0.52, -0.24]".
    func figure(_ result: PooledResult) -> String {
        "\(result.measure.rawValue) \(EffectText.number(EffectText.natural(result.estimate, ratio: ratio))) [95% CI "
            + "\(EffectText.number(EffectText.natural(result.ciLow, ratio: ratio))), "
            + "\(EffectText.number(EffectText.natural(result.ciHigh, ratio: ratio)))]"
    }

    func publishedLines() -> [String] {
        ["Published pooled values (as their meta-analyses report them; not recomputed here):"]
            + synthesis.published.flatMap { pool in
                let ci = pool.ciLow.flatMap { low in pool.ciHigh.map { " [95% CI \(EffectText.number(low)), \(EffectText.number($0))]" } } ?? ""
                let size = pool.participants.map { ", \($0) participants" } ?? ""
                return TextWrap.lines("\(pool.measure.rawValue) \(EffectText.number(pool.value))\(ci)"
                                      + (pool.p.map { ", \(EffectText.p($0))" } ?? ""),
                                      width: 80, indent: "  \(pool.label) (\(pool.design.rawValue)\(size)): ")
            }
    }

    func excludedLines() -> [String] {
        let width = min(synthesis.excluded.map(\.label.count).max() ?? 0, 24)
        return ["Left out (\(synthesis.excluded.count)):"] + synthesis.excluded.flatMap { study in
            let label = study.label.count > width ? String(study.label.prefix(width - 1)) + "…" : study.label
            return TextWrap.lines(study.reason, width: 80, indent: "  " + label.padding(toLength: width, withPad: " ", startingAt: 0) + "  ")
        }
    }

    /// Every result when there are few; otherwise the range and those that move the estimate most.
    func leaveOneOutLines() -> [String] {
        let results = synthesis.leaveOneOut
        func line(_ entry: LeaveOneOut) -> String {
            "  without \(entry.omitted): \(figure(entry.result)), I² = \(String(format: "%.1f", entry.result.i2))%"
        }
        guard results.count > Self.leaveOneOutShown, let pooled = synthesis.pooled else {
            return ["Leave-one-out (pooled again without each study):"] + results.map(line)
        }
        let estimates = results.map { EffectText.natural($0.result.estimate, ratio: ratio) }
        let influential = results.sorted { abs($0.result.estimate - pooled.estimate) > abs($1.result.estimate - pooled.estimate) }
        return ["Leave-one-out (pooled again without each study): estimates from "
                + "\(EffectText.number(estimates.min() ?? .nan)) to \(EffectText.number(estimates.max() ?? .nan)); "
                + "the 5 that move it most (--json has all \(results.count)):"] + influential.prefix(5).map(line)
    }

    func subgroupLines(_ subgroups: SubgroupAnalysis) -> [String] {
        var lines = ["Subgroups by design:"]
        for group in subgroups.groups {
            if let result = group.result {
                lines.append("  \(group.name), k = \(result.k): \(figure(result)), I² = \(String(format: "%.1f", result.i2))%")
            } else {
                lines.append("  \(group.name): not pooled\(group.reason.map { " (\($0))" } ?? "")")
            }
        }
        if let q = subgroups.qBetween, let df = subgroups.qBetweenDF, let p = subgroups.qBetweenP {
            lines.append("  Test for subgroup differences: Q = \(String(format: "%.2f", q)) (df = \(df)), \(EffectText.p(p))")
        }
        return lines
    }

    func count(_ value: Int, _ one: String, _ many: String) -> String { "\(value) \(value == 1 ? one : many)" }
}
