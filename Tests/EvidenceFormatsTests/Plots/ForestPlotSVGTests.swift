import EvidenceModel
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import MetaAnalysis
import TestHarness
import Testing
@testable import EvidenceFormats

/// The SVG forest plot: valid XML, rendered by a real renderer (rsvg-convert), and drawn
/// where the axis says: each square at its study's estimate, the diamond across the pooled
/// CI, the null at 0 (or a ratio of 1), with LDN's side labelled from the outcome's benefit.
@Suite("Forest plot as SVG")
struct ForestPlotSVGTests {
    /// An element of the document: its name, attributes and text.
    struct Element {
        let name: String
        let attributes: [String: String]
        var text = ""

        func number(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }
        var className: String { attributes["class"] ?? "" }
    }

    final class Collector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        var open: [Int] = []
        var failure: String?

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            open.append(elements.count)
            elements.append(Element(name: name, attributes: attributes))
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            open.removeLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let last = open.last { elements[last].text += string }
        }

        func parser(_ parser: XMLParser, parseErrorOccurred error: any Error) {
            failure = "line \(parser.lineNumber), column \(parser.columnNumber): \(error)"
        }
    }

    /// The document's elements, or the parser's error.
    static func parse(_ svg: String) throws -> [Element] {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        let parsed = parser.parse()
        guard parsed, collector.failure == nil else {
            throw PNGImage.Unreadable(description: "the SVG is not well-formed XML: \(collector.failure ?? "\(String(describing: parser.parserError))")")
        }
        return collector.elements
    }

    /// The x at which the axis puts `value` (natural scale), read from the ticks' own positions.
    static func axisX(_ value: Double, ticks: [(value: Double, x: Double)], ratio: Bool) -> Double {
        let scale: (Double) -> Double = ratio ? log : { $0 }
        let (first, last) = (ticks.first!, ticks.last!)
        return first.x + (scale(value) - scale(first.value)) / (scale(last.value) - scale(first.value)) * (last.x - first.x)
    }

    static func ticks(_ elements: [Element]) -> [(value: Double, x: Double)] {
        elements.filter { $0.className == "tick" }.compactMap { tick in
            guard let value = tick.number("data-value"), let x = tick.number("x1") else { return nil }
            return (value, x)
        }.sorted { $0.x < $1.x }
    }

    @Test("Each square sits at its study's estimate on the axis, sized by weight; the diamond spans the pooled CI")
    func geometry() throws {
        let synthesis = PlotFixtures.meanDifferences
        let svg = ForestPlotSVG(ForestPlot(synthesis, title: "SYNTHETIC: fibromyalgia pain")).render()
        let elements = try Self.parse(svg)
        let ticks = Self.ticks(elements)
        #expect(ticks.count >= 3)
        #expect(ticks.contains { $0.value == 0 }, "the null is a tick: \(ticks)")

        let squares = elements.filter { $0.className == "square" }
        #expect(squares.count == synthesis.included.count)
        let pooled = try #require(synthesis.pooled)
        for (square, study) in zip(squares, pooled.studies) {
            let centre = try #require(square.number("x")) + (try #require(square.number("width"))) / 2
            #expect(abs(centre - Self.axisX(study.yi, ticks: ticks, ratio: false)) < 0.02, "\(study.label)")
        }
        // Area follows weight: the heaviest study has the largest square, the lightest the smallest.
        let sides = squares.compactMap { $0.number("width") }
        let weights = pooled.studies.map(\.weight)
        #expect(sides.firstIndex(of: sides.max()!) == weights.firstIndex(of: weights.max()!))
        #expect(sides.firstIndex(of: sides.min()!) == weights.firstIndex(of: weights.min()!))

        let diamond = try #require(elements.first { $0.className == "diamond" }?.attributes["points"])
        let xs = diamond.split(separator: " ").compactMap { Double($0.split(separator: ",")[0]) }
        #expect(abs(xs.min()! - Self.axisX(pooled.ciLow, ticks: ticks, ratio: false)) < 0.02)
        #expect(abs(xs.max()! - Self.axisX(pooled.ciHigh, ticks: ticks, ratio: false)) < 0.02)
        let null = try #require(elements.first { $0.className == "null" })
        #expect(abs(try #require(null.number("x1")) - Self.axisX(0, ticks: ticks, ratio: false)) < 0.02)

        let prediction = try #require(elements.first { $0.className == "prediction" })
        #expect(abs(try #require(prediction.number("x1")) - Self.axisX(try #require(pooled.predictionLow), ticks: ticks, ratio: false)) < 0.02)
    }

    @Test("The labels, arm sizes, heterogeneity line and favours labels are drawn; lower-is-better puts LDN on the left")
    func labels() throws {
        let elements = try Self.parse(ForestPlotSVG(ForestPlot(PlotFixtures.meanDifferences, title: "SYNTHETIC")).render())
        let texts = elements.filter { $0.name == "text" }
        #expect(texts.filter { $0.className == "label" }.map(\.text).prefix(4)
                == ["Synthetic A 2011", "Synthetic B 2014", "Synthetic C 2019", "Synthetic D 2022"])
        #expect(texts.filter { $0.className == "n" }.map(\.text).prefix(2) == ["40", "40"])
        let heterogeneity = try #require(texts.first { $0.className == "heterogeneity" }?.text)
        #expect(heterogeneity == "Heterogeneity: τ² = 0.0123, I² = 18.2%, Q = \(String(format: "%.2f", PlotFixtures.meanDifferences.pooled!.q)) (df = 3), p = 0.27")
        let favours = texts.filter { $0.className == "favours" }
        let null = try #require(elements.first { $0.className == "null" }?.number("x1"))
        let ldn = try #require(favours.first { $0.text.contains("favours LDN") })
        let control = try #require(favours.first { $0.text.contains("favours control") })
        let (ldnX, controlX) = (try #require(ldn.number("x")), try #require(control.number("x")))
        #expect(ldn.attributes["text-anchor"] == "end" && ldnX < null)
        #expect(control.attributes["text-anchor"] == "start" && controlX > null)
    }

    @Test("Ratios get a log axis with round ticks around 1; higher-is-better puts LDN on the right")
    func logAxis() throws {
        let synthesis = PlotFixtures.riskRatios
        let elements = try Self.parse(ForestPlotSVG(ForestPlot(synthesis, title: "SYNTHETIC")).render())
        let ticks = Self.ticks(elements)
        #expect(ticks.contains { abs($0.value - 1) < 1e-9 }, "a ratio of 1 is a tick: \(ticks)")
        #expect(ticks.contains { abs($0.value - 2) < 1e-9 } && ticks.contains { abs($0.value - 0.5) < 1e-9 }, "\(ticks)")
        // Equal ratios take equal room: 0.5 → 1 as wide as 1 → 2.
        let x = { (value: Double) in ticks.first { abs($0.value - value) < 1e-9 }?.x }
        let (half, one, two) = (try #require(x(0.5)), try #require(x(1)), try #require(x(2)))
        #expect(abs((one - half) - (two - one)) < 0.02)
        let squares = elements.filter { $0.className == "square" }
        let centre = try #require(squares.first?.number("x")) + (try #require(squares.first?.number("width"))) / 2
        #expect(abs(centre - two) < 0.02, "the RR 2.0 study's square is at the tick labelled 2")
        let labels = elements.filter { $0.className == "tick-label" }.map(\.text)
        #expect(labels.contains("1") && labels.contains("2") && labels.contains("0.5"), "\(labels)")
        let texts = elements.filter { $0.className == "estimate" }.map(\.text)
        #expect(texts.first == "2.00 [\(EffectText.number(exp(log(2.0) - 1.959963984540054 * 0.05.squareRoot()))), "
                + "\(EffectText.number(exp(log(2.0) + 1.959963984540054 * 0.05.squareRoot())))]", "effects as ratios, not logs")
        let null = try #require(elements.first { $0.className == "null" }?.number("x1"))
        let ldn = try #require(elements.first { $0.className == "favours" && $0.text.contains("favours LDN") })
        #expect(try #require(ldn.number("x")) > null)
    }

    @Test("Text from the wire cannot break the document: markup, quotes and control characters are escaped or replaced")
    func escaping() throws {
        var synthesis = PlotFixtures.meanDifferences
        let hostile = "</text><script>alert('x')</script> & \"Ω\" \u{1}\u{7}"
        synthesis.included[0].label = hostile
        synthesis.pooled!.studies[0].label = hostile
        let svg = ForestPlotSVG(ForestPlot(synthesis, title: hostile)).render()
        #expect(!svg.contains("<script>"))
        let elements = try Self.parse(svg)
        #expect(!elements.contains { $0.name == "script" })
        let label = try #require(elements.first { $0.className == "label" }?.text)
        #expect(label == SVGText.cut("</text><script>alert('x')</script> & \"Ω\" \u{FFFD}\u{FFFD}", 32))
    }

    @Test("With nothing pooled, the studies there are are still drawn, and the reason is written")
    func notPooled() throws {
        let synthesis = PlotFixtures.synthesis([.init(label: "Synthetic A 2011", yi: -0.34, vi: 0.1, n: (49, 50))],
                                               measure: .md, benefit: .lower, pooled: false)
        let elements = try Self.parse(ForestPlotSVG(ForestPlot(synthesis, title: "SYNTHETIC")).render())
        #expect(elements.filter { $0.className == "square" }.count == 1)
        #expect(!elements.contains { $0.className == "diamond" })
        #expect(elements.first { $0.className == "not-pooled" }?.text == "Not pooled: only 1 study has poolable data")
    }

    @Test("rsvg-convert renders the plot to a PNG of the document's size, with the plot drawn on it", .timeLimit(.minutes(1)))
    func rendersWithARealRenderer() async throws {
        let renderer = try #require(Self.rsvgConvert,
                                    "rsvg-convert is not installed: apt-get install librsvg2-bin (the plots are checked with a real renderer)")
        let plot = ForestPlotSVG(ForestPlot(PlotFixtures.meanDifferences, title: "SYNTHETIC: fibromyalgia pain"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-plot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (svgFile, pngFile) = (folder.appendingPathComponent("forest.svg"), folder.appendingPathComponent("forest.png"))
        try Data(plot.render().utf8).write(to: svgFile)

        let rendered = try await run(renderer, ["--format", "png", "--output", pngFile.path, svgFile.path])
        #expect(rendered.status == 0, "rsvg-convert: \(rendered.stderr)")

        let image = try PNGImage(try Data(contentsOf: pngFile))
        #expect(image.width == Int(ForestPlotSVG.width) && image.height == Int(plot.height.rounded(.up)))
        // The background is white; the squares, lines, diamond and text are not.
        let drawn = image.count(differingFrom: (255, 255, 255))
        #expect(drawn > 2000, "\(drawn) pixels drawn")
        #expect(drawn < image.width * image.height / 2, "\(drawn) pixels drawn: the background is white")
        // The diamond is filled red at the pooled estimate.
        let centre = plot.x(PlotFixtures.meanDifferences.pooled!.estimate)
        let row = ForestPlotSVG.firstRow + Double(PlotFixtures.meanDifferences.included.count) * ForestPlotSVG.rowHeight + 12
        let (r, g, b, _) = image.pixel(Int(centre), Int(row))
        #expect(r > 150 && g < 80 && b < 80, "the diamond's centre is red: \((r, g, b))")
    }

    /// rsvg-convert's path, when installed.
    static let rsvgConvert: String? = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert", "/opt/homebrew/bin/rsvg-convert"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}
