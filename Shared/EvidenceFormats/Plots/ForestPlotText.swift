import Foundation
import MetaAnalysis

/// A forest plot in a terminal, 80 columns wide: a line per study with its CI (├──■──┤) and
/// its effect, the pooled diamond (◆◆◆), the prediction interval (├┈┈┈┤), the null line (│),
/// the axis with its ticks, which way favours LDN, and what the axis measures. A CI running
/// past the axis ends in ◀ or ▶.
public struct ForestPlotText {
    public let plot: ForestPlot
    public let labelWidth = 18
    public let plotWidth = 36

    public init(_ plot: ForestPlot) { self.plot = plot }

    public func render() -> String { lines().joined(separator: "\n") }

    public func lines() -> [String] {
        let axis = plot.axis
        var lines: [String] = []
        for study in plot.rows {
            guard study.drawable else {
                lines.append(row(study.label, blankWithNull(), "no effect size"))
                continue
            }
            lines.append(row(study.label, interval(study.ciLow, study.ciHigh, ends: ("├", "┤"), fill: "─", marker: study.estimate),
                             EffectText.estimate(study.estimate, study.ciLow, study.ciHigh, ratio: axis.ratio)))
        }
        if let pooled = plot.pooled {
            var cells = blankWithNull()
            let (from, to) = (column(pooled.ciLow), column(pooled.ciHigh))
            for index in from...max(from, to) { cells[index] = "◆" }
            lines.append(row(plot.pooledLabel, cells, EffectText.estimate(pooled.estimate, pooled.ciLow, pooled.ciHigh, ratio: axis.ratio)))
            if let low = pooled.predictionLow, let high = pooled.predictionHigh {
                lines.append(row("Prediction", interval(low, high, ends: ("├", "┤"), fill: "┈", marker: nil),
                                 "[\(EffectText.number(EffectText.natural(low, ratio: axis.ratio))), "
                                    + "\(EffectText.number(EffectText.natural(high, ratio: axis.ratio)))]"))
            }
        }
        var rule = Array(repeating: Character("─"), count: plotWidth)
        for tick in axis.ticks { rule[column(tick)] = "┴" }
        lines.append(row("", rule, ""))
        lines.append(row("", tickLabels(), ""))
        if let side = plot.ldnSide {
            let (left, right) = side == .below ? ("favours LDN", "favours control") : ("favours control", "favours LDN")
            lines.append(row("", favours(left: "◀ " + left, right: right + " ▶"), ""))
        }
        lines.append(row("", centred(plot.measure.map { $0.rawValue + (plot.ratio ? " (log scale)" : "") } ?? ""), ""))
        return lines.map { String($0.reversed().drop { $0 == " " }.reversed()) }
    }

    /// The plot column of a value on the analysis scale, clamped to the plot.
    func column(_ value: Double) -> Int {
        let position = (plot.axis.fraction(value) * Double(plotWidth - 1)).rounded()
        guard position.isFinite else { return 0 }
        return Int(min(max(position, 0), Double(plotWidth - 1)))
    }

    func blankWithNull() -> [Character] {
        var cells = Array(repeating: Character(" "), count: plotWidth)
        cells[column(0)] = "│"
        return cells
    }

    /// An interval from `low` to `high`, its ends marked (◀/▶ where it runs past the axis), and a marker.
    func interval(_ low: Double, _ high: Double, ends: (Character, Character), fill: Character, marker: Double?) -> [Character] {
        var cells = blankWithNull()
        let (from, to) = (column(low), column(high))
        for index in from...max(from, to) { cells[index] = fill }
        cells[from] = plot.axis.contains(low) ? ends.0 : "◀"
        cells[max(from, to)] = plot.axis.contains(high) ? ends.1 : "▶"
        if let marker { cells[column(marker)] = "■" }
        return cells
    }

    /// Each tick's label centred under it, left out where it would touch its neighbour.
    func tickLabels() -> [Character] {
        var cells = Array(repeating: Character(" "), count: plotWidth)
        var free = 0
        for tick in plot.axis.ticks {
            let label = Array(plot.axis.label(tick))
            let start = min(max(column(tick) - label.count / 2, 0), plotWidth - label.count)
            guard start >= free, start >= 0 else { continue }
            for (offset, character) in label.enumerated() { cells[start + offset] = character }
            free = start + label.count + 1
        }
        return cells
    }

    /// Which way each side of the axis favours: `left` from the plot's left end, `right` up to
    /// its right end (the arrows point away from the null, wherever it lies).
    func favours(left: String, right: String) -> [Character] {
        let gap = max(plotWidth - left.count - right.count, 1)
        return Array((left + String(repeating: " ", count: gap) + right).prefix(plotWidth))
    }

    func centred(_ text: String) -> [Character] {
        let characters = Array(text.prefix(plotWidth))
        return Array(repeating: " ", count: (plotWidth - characters.count) / 2) + characters
    }

    /// A plot line: the label column (cut with "…"), the plot, then the figures.
    func row(_ label: String, _ cells: [Character], _ figures: String) -> String {
        let cut = label.count > labelWidth ? String(label.prefix(labelWidth - 1)) + "…" : label
        return cut.padding(toLength: labelWidth, withPad: " ", startingAt: 0) + " " + String(cells) + " " + figures
    }
}
