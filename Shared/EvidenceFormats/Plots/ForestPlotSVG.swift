import Foundation
import MetaAnalysis

/// A forest plot as a standalone SVG document: study labels and arm sizes; a square per
/// study, its area proportional to its weight, on a line for its CI; the pooled diamond and
/// the prediction interval; the null line; a log axis for ratios; which side favours LDN; and
/// the heterogeneity line. Every text is escaped (`SVGText`): labels and titles come from
/// records. Shapes carry a class (`square`, `ci`, `diamond`, `prediction`, `null`, `tick`…)
/// so that tests and stylesheets can find them.
public struct ForestPlotSVG {
    public let plot: ForestPlot

    public static let width = 900.0
    static let plotLeft = 350.0, plotWidth = 300.0
    static let rowHeight = 22.0, firstRow = 100.0
    static let font = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""

    public init(_ plot: ForestPlot) { self.plot = plot }

    /// The document's height for its number of rows.
    public var height: Double { footerTop + (plot.notPooled == nil ? 100 : 120) }

    /// Where the axis line is.
    var footerTop: Double {
        Self.firstRow + Double(plot.rows.count) * Self.rowHeight + (plot.pooled == nil ? 0 : 12 + 2 * Self.rowHeight)
    }

    /// The x of a value on the analysis scale (not clamped).
    public func x(_ value: Double) -> Double { Self.plotLeft + plot.axis.fraction(value) * Self.plotWidth }

    func clampedX(_ value: Double) -> Double { min(max(x(value), Self.plotLeft), Self.plotLeft + Self.plotWidth) }

    public func render() -> String {
        var svg = SVGDocument(width: Self.width, height: height)
        svg.add("<rect class=\"background\" x=\"0\" y=\"0\" width=\"\(n(Self.width))\" height=\"\(n(height))\" fill=\"#ffffff\"/>")
        svg.text(SVGText.cut(plot.title, 110), x: 16, y: 28, size: 15, weight: "bold", class: "title")
        svg.text(subtitle, x: 16, y: 48, size: 12, fill: "#444444", class: "subtitle")
        header(&svg)
        let axisTop = Self.firstRow - Self.rowHeight / 2
        svg.line(x(0), axisTop, x(0), footerTop, class: "null", stroke: "#888888", dash: "4 3")
        for (index, study) in plot.rows.enumerated() {
            drawStudy(study, y: Self.firstRow + Double(index) * Self.rowHeight, into: &svg)
        }
        if let pooled = plot.pooled {
            drawPooled(pooled, y: Self.firstRow + Double(plot.rows.count) * Self.rowHeight + 12, into: &svg)
        }
        footer(&svg)
        return svg.document
    }

    var subtitle: String {
        let k = plot.pooled?.k ?? 0
        guard let pooled = plot.pooled else { return plot.axisTitle + " · not pooled" }
        return "\(plot.axisTitle) · \(EffectText.methodName(pooled.method, hartungKnapp: pooled.hartungKnapp)) · k = \(k)"
    }

    func header(_ svg: inout SVGDocument) {
        let y = Self.firstRow - Self.rowHeight - 2
        svg.text("Study", x: 16, y: y, weight: "bold", class: "header")
        svg.text("LDN n", x: 250, y: y, anchor: "end", weight: "bold", class: "header")
        svg.text("Control n", x: 325, y: y, anchor: "end", weight: "bold", class: "header")
        svg.text("\(plot.measure?.rawValue ?? "Effect") [95% CI]", x: 670, y: y, weight: "bold", class: "header")
        svg.text("Weight", x: 884, y: y, anchor: "end", weight: "bold", class: "header")
    }

    func drawStudy(_ study: ForestPlot.Row, y: Double, into svg: inout SVGDocument) {
        let baseline = y + 4
        svg.text(SVGText.cut(study.label, 32), x: 16, y: baseline, class: "label")
        svg.text(study.nTreatment.map(String.init) ?? "-", x: 250, y: baseline, anchor: "end", class: "n")
        svg.text(study.nControl.map(String.init) ?? "-", x: 325, y: baseline, anchor: "end", class: "n")
        svg.text(study.weight.map { String(format: "%.1f%%", $0) } ?? "-", x: 884, y: baseline, anchor: "end", class: "weight")
        guard study.drawable else {
            svg.text("no effect size", x: 670, y: baseline, fill: "#888888", class: "estimate")
            return
        }
        svg.text(EffectText.estimate(study.estimate, study.ciLow, study.ciHigh, ratio: plot.ratio), x: 670, y: baseline,
                 class: "estimate")
        interval(study.ciLow, study.ciHigh, y: y, class: "ci", into: &svg)
        let maximum = plot.rows.compactMap(\.weight).max() ?? 0
        let side = study.weight.map { maximum > 0 ? 4 + 10 * ($0 / maximum).squareRoot() : 8 } ?? 8
        let centre = x(study.estimate)
        svg.add("<rect class=\"square\" x=\"\(n(centre - side / 2))\" y=\"\(n(y - side / 2))\" width=\"\(n(side))\" "
                + "height=\"\(n(side))\" fill=\"#1f4e79\"/>")
    }

    /// A horizontal interval; an end past the axis becomes an arrowhead at the axis's end.
    func interval(_ low: Double, _ high: Double, y: Double, class name: String, dash: String? = nil, into svg: inout SVGDocument) {
        let (from, to) = (clampedX(low), clampedX(high))
        svg.line(from, y, to, y, class: name, stroke: "#222222", dash: dash)
        if !plot.axis.contains(low) { svg.add(arrow(at: from, y: y, pointing: -1)) }
        if !plot.axis.contains(high) { svg.add(arrow(at: to, y: y, pointing: 1)) }
    }

    func arrow(at x: Double, y: Double, pointing direction: Double) -> String {
        "<polygon class=\"arrow\" points=\"\(n(x)),\(n(y)) \(n(x - 6 * direction)),\(n(y - 4)) \(n(x - 6 * direction)),\(n(y + 4))\" "
            + "fill=\"#222222\"/>"
    }

    func drawPooled(_ pooled: PooledResult, y: Double, into svg: inout SVGDocument) {
        let baseline = y + 4
        svg.text(plot.pooledLabel, x: 16, y: baseline, weight: "bold", class: "label")
        svg.text(pooled.studies.isEmpty ? "" : "100%", x: 884, y: baseline, anchor: "end", weight: "bold", class: "weight")
        svg.text(EffectText.estimate(pooled.estimate, pooled.ciLow, pooled.ciHigh, ratio: plot.ratio), x: 670, y: baseline,
                 weight: "bold", class: "estimate")
        let (low, centre, high) = (clampedX(pooled.ciLow), clampedX(pooled.estimate), clampedX(pooled.ciHigh))
        svg.add("<polygon class=\"diamond\" points=\"\(n(low)),\(n(y)) \(n(centre)),\(n(y - 7)) \(n(high)),\(n(y)) "
                + "\(n(centre)),\(n(y + 7))\" fill=\"#b22222\"/>")
        guard let lowPI = pooled.predictionLow, let highPI = pooled.predictionHigh else { return }
        let row = y + Self.rowHeight
        svg.text("Prediction interval", x: 16, y: row + 4, class: "label")
        svg.text("[\(EffectText.number(EffectText.natural(lowPI, ratio: plot.ratio))), "
                 + "\(EffectText.number(EffectText.natural(highPI, ratio: plot.ratio)))]", x: 670, y: row + 4, class: "estimate")
        interval(lowPI, highPI, y: row, class: "prediction", into: &svg)
        for end in [lowPI, highPI] where plot.axis.contains(end) {
            svg.line(x(end), row - 4, x(end), row + 4, class: "prediction-end", stroke: "#222222")
        }
    }

    func footer(_ svg: inout SVGDocument) {
        let y = footerTop
        svg.line(Self.plotLeft, y, Self.plotLeft + Self.plotWidth, y, class: "axis", stroke: "#222222")
        for tick in plot.axis.ticks {
            let value = plot.ratio ? exp(tick) : tick
            svg.add("<line class=\"tick\" data-value=\"\(value)\" x1=\"\(n(x(tick)))\" y1=\"\(n(y))\" x2=\"\(n(x(tick)))\" "
                    + "y2=\"\(n(y + 5))\" stroke=\"#222222\"/>")
            svg.text(plot.axis.label(tick), x: x(tick), y: y + 18, anchor: "middle", size: 11, class: "tick-label")
        }
        if let side = plot.ldnSide {
            let (below, above) = side == .below ? ("favours LDN", "favours control") : ("favours control", "favours LDN")
            svg.text("← " + below, x: x(0) - 6, y: y + 36, anchor: "end", size: 11, fill: "#444444", class: "favours")
            svg.text(above + " →", x: x(0) + 6, y: y + 36, anchor: "start", size: 11, fill: "#444444", class: "favours")
        }
        svg.text(plot.axisTitle, x: Self.plotLeft + Self.plotWidth / 2, y: y + 54, anchor: "middle", size: 11, class: "axis-title")
        var line = y + 80
        if let pooled = plot.pooled {
            svg.text("Heterogeneity: " + EffectText.heterogeneity(pooled), x: 16, y: line, size: 12, class: "heterogeneity")
            line += 20
        }
        if let notPooled = plot.notPooled {
            svg.text(SVGText.cut("Not pooled: " + notPooled, 140), x: 16, y: line, size: 12, fill: "#b22222", class: "not-pooled")
        }
    }

    /// A coordinate with at most two decimals.
    func n(_ value: Double) -> String { SVGDocument.number(value) }
}

/// The text of an SVG document, element by element.
struct SVGDocument {
    private(set) var elements: [String] = []
    let width: Double
    let height: Double

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    mutating func add(_ element: String) { elements.append(element) }

    mutating func text(_ text: String, x: Double, y: Double, anchor: String = "start", size: Double = 12, weight: String = "normal",
                       fill: String = "#111111", class name: String) {
        add("<text class=\"\(name)\" x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" text-anchor=\"\(anchor)\" "
            + "font-size=\"\(Self.number(size))\" font-weight=\"\(weight)\" fill=\"\(fill)\" \(ForestPlotSVG.font)>"
            + SVGText.escaped(text) + "</text>")
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, class name: String, stroke: String,
                       dash: String? = nil) {
        add("<line class=\"\(name)\" x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" x2=\"\(Self.number(x2))\" "
            + "y2=\"\(Self.number(y2))\" stroke=\"\(stroke)\" stroke-width=\"1.2\""
            + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>")
    }

    var document: String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Self.number(width))" height="\(Self.number(height))" \
        viewBox="0 0 \(Self.number(width)) \(Self.number(height))">
        \(elements.joined(separator: "\n"))
        </svg>

        """
    }

    /// Two decimals at most, no trailing zeros; never NaN (0 stands in).
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        var text = String(format: "%.2f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }
}
