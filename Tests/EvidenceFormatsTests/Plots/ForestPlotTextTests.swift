import EvidenceModel
import Foundation
import MetaAnalysis
import Testing
@testable import EvidenceFormats

/// The terminal forest plot and the axis both plots share.
@Suite("Forest plot in the terminal, and its axis")
struct ForestPlotTextTests {
    @Test("Every line fits 80 columns; each study's marker is at its estimate; the diamond spans the pooled CI")
    func layout() throws {
        let plot = ForestPlot(PlotFixtures.meanDifferences, title: "SYNTHETIC")
        let text = ForestPlotText(plot)
        let lines = text.lines()
        #expect(lines.allSatisfy { $0.count <= 80 }, "\(lines)")
        let start = text.labelWidth + 1
        func cells(_ line: String) -> [Character] { Array(line.dropFirst(start).prefix(text.plotWidth)) }
        for row in plot.rows {
            let line = try #require(lines.first { $0.hasPrefix(row.label) })
            #expect(cells(line).firstIndex(of: "■") == text.column(row.estimate), "\(line)")
            #expect(line.hasSuffix(EffectText.estimate(row.estimate, row.ciLow, row.ciHigh, ratio: false)))
        }
        let pooled = try #require(plot.pooled)
        let diamond = cells(try #require(lines.first { $0.hasPrefix("Pooled (REML)") }))
        #expect(diamond.firstIndex(of: "◆") == text.column(pooled.ciLow) && diamond.lastIndex(of: "◆") == text.column(pooled.ciHigh))
        #expect(lines.contains { $0.hasPrefix("Prediction") && $0.contains("┈") })
        // The imprecise study's CI runs past the axis and says so.
        let imprecise = try #require(lines.first { $0.hasPrefix("Synthetic D 2022") })
        #expect(cells(imprecise).last == "▶" || cells(imprecise).contains("┤"), "\(imprecise)")
    }

    @Test("The favours line follows the benefit: lower is better points LDN left (below the null), higher is better right")
    func favours() throws {
        func favoursLine(_ synthesis: Synthesis) -> String? {
            ForestPlotText(ForestPlot(synthesis, title: "")).lines().first { $0.contains("favours") }
        }
        let lower = try #require(favoursLine(PlotFixtures.meanDifferences))
        #expect(lower.hasPrefix(String(repeating: " ", count: 19) + "◀ favours LDN") && lower.hasSuffix("favours control ▶"), "\(lower)")
        let higher = try #require(favoursLine(PlotFixtures.riskRatios))
        #expect(higher.hasPrefix(String(repeating: " ", count: 19) + "◀ favours control") && higher.hasSuffix("favours LDN ▶"), "\(higher)")
        var unknown = PlotFixtures.meanDifferences
        unknown.benefit = nil
        #expect(favoursLine(unknown) == nil, "no side is claimed when no report says")
    }

    @Test("A linear axis ends on round ticks and always shows 0")
    func linearAxis() {
        let axis = ForestAxis(values: [-0.8, -0.3, 0.2], intervals: [(-1.2, -0.4), (-0.7, 0.1), (-0.2, 0.6)], ratio: false)
        #expect(axis.ticks.contains(0))
        #expect(axis.low <= -1.2 && axis.high >= 0.6)
        #expect((4...9).contains(axis.ticks.count), "\(axis.ticks)")
        #expect(axis.ticks.map(axis.label) == ["-1.5", "-1", "-0.5", "0", "0.5", "1"], "round steps: \(axis.ticks.map(axis.label))")
        let positive = ForestAxis(values: [3, 5], intervals: [], ratio: false)
        #expect(positive.low == 0 && positive.contains(5))
    }

    @Test("Every study's CI is on the axis, except one far wider than the rest, which does not squeeze the others")
    func imprecise() {
        let intervals: [(low: Double, high: Double)] = [(-1.2, -0.4), (-0.8, 0), (-0.6, 0.2), (-40, 30)]
        let axis = ForestAxis(values: [-0.8, -0.4, -0.2, -5], intervals: intervals, ratio: false)
        #expect(axis.low <= -5 && axis.low > -10 && axis.high <= 2, "\(axis.low)…\(axis.high)")
        let alone = ForestAxis(values: [-0.34], intervals: [(-0.95, 0.27)], ratio: false)
        #expect(alone.contains(-0.95) && alone.contains(0.27), "a single study's CI is shown whole: \(alone.ticks)")
    }

    @Test("A log axis has round ratios around 1, also for a narrow range")
    func logAxis() {
        let wide = ForestAxis(values: [log(0.3), log(4)], intervals: [], ratio: true)
        #expect(wide.ticks.map(wide.label) == ["0.2", "0.5", "1", "2", "5"], "\(wide.ticks.map(wide.label))")
        let narrow = ForestAxis(values: [log(0.95), log(1.08)], intervals: [], ratio: true)
        #expect(narrow.ticks.count >= 3 && narrow.ticks.contains { abs($0) < 1e-12 }, "\(narrow.ticks.map(narrow.label))")
        #expect(narrow.low <= log(0.95) && narrow.high >= log(1.08), "\(narrow.ticks.map(narrow.label)) \(narrow.low) \(narrow.high)")
    }
}
