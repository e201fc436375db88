import BenchmarkSupport
import Foundation

/// The scale benchmark's table: one column per size, then the growth from each size to the
/// next, and the targets at 1 000 000 records with a verdict when that size was measured.
struct ScaleTable {
    let rows: [ScaleFigures]

    init(_ rows: [ScaleFigures]) { self.rows = rows }

    /// A measure: its label, its value at one size, how to print it, and its target at 1 000 000.
    private struct Line: Sendable {
        let label: String
        let value: @Sendable (ScaleFigures) -> Double
        let format: String
        var target: Double? = nil
        var targetText = ""
    }

    private static let lines: [Line] = [
        Line(label: "raw SQLite baseline, records/s", value: { $0.baseline }, format: "%.0f"),
        Line(label: "intake end to end, records/s", value: { $0.intake }, format: "%.0f"),
        Line(label: "intake, % of the baseline", value: { $0.intake / $0.baseline * 100 }, format: "%.1f"),
        Line(label: "ack p50, ms", value: { $0.ack.p50 }, format: "%.1f"),
        Line(label: "ack p99, ms", value: { $0.ack.p99 }, format: "%.1f"),
        Line(label: "fresh replica by snapshot, s", value: { $0.freshReplica }, format: "%.2f"),
        Line(label: "fresh replica from an image, s", value: { $0.image?.seconds ?? .nan }, format: "%.2f", target: 20, targetText: "≤ 20 s"),
        Line(label: "  raw copy of the image's bytes, s", value: { $0.image?.rawSeconds ?? .nan }, format: "%.2f"),
        Line(label: "  image start / raw copy", value: { $0.image?.ratio ?? .nan }, format: "%.1f"),
        Line(label: "  image size, MB", value: { $0.image.map { Double($0.bytes) / 1e6 } ?? .nan }, format: "%.0f"),
        Line(label: "filtered query p50, ms", value: { $0.filtered.p50 }, format: "%.2f"),
        Line(label: "filtered query p99, ms", value: { $0.filtered.p99 }, format: "%.2f", target: 3, targetText: "≤ 3 ms"),
        Line(label: "selective search p50, ms", value: { $0.selectiveSearch.p50 }, format: "%.2f"),
        Line(label: "selective search p99, ms", value: { $0.selectiveSearch.p99 }, format: "%.2f", target: 10, targetText: "≤ 10 ms"),
        Line(label: "  its matches (\"study 4711\")", value: { Double($0.selectiveMatches) }, format: "%.0f"),
        Line(label: "common-word search p50, ms", value: { $0.commonWordSearch.p50 }, format: "%.2f"),
        Line(label: "common-word search p99, ms", value: { $0.commonWordSearch.p99 }, format: "%.2f"),
        Line(label: "  its matches (\"sleep\")", value: { Double($0.commonWordMatches) }, format: "%.0f"),
        Line(label: "summary cached p50, ms", value: { $0.summaryCached.p50 }, format: "%.2f"),
        Line(label: "summary cached p99, ms", value: { $0.summaryCached.p99 }, format: "%.2f"),
        Line(label: "summary after a change p50, ms", value: { $0.summaryFresh.p50 }, format: "%.1f"),
        Line(label: "summary after a change p99, ms", value: { $0.summaryFresh.p99 }, format: "%.1f"),
        Line(label: "synthesize cached p50, ms", value: { $0.synthesizeCached.p50 }, format: "%.2f"),
        Line(label: "synthesize cached p99, ms", value: { $0.synthesizeCached.p99 }, format: "%.2f"),
        Line(label: "synthesize after a change p50, ms", value: { $0.synthesizeFresh.p50 }, format: "%.1f"),
        Line(label: "synthesize after a change p99, ms", value: { $0.synthesizeFresh.p99 }, format: "%.1f"),
        Line(label: "synthesis watch ready, s", value: { $0.synthesisWatchReady }, format: "%.2f"),
        Line(label: "store peak RSS, MB", value: { $0.storeMB }, format: "%.0f", target: 300, targetText: "≤ 300 MB"),
        Line(label: "replica peak RSS, MB", value: { $0.queryMB }, format: "%.0f", target: 300, targetText: "≤ 300 MB"),
        Line(label: "notifier peak RSS, MB", value: { $0.notifierMB }, format: "%.0f", target: 300, targetText: "≤ 300 MB"),
        Line(label: "store on disk, MB", value: { Double($0.storeBytes) / 1e6 }, format: "%.0f"),
        Line(label: "replica on disk, MB", value: { Double($0.replicaBytes) / 1e6 }, format: "%.0f"),
    ]

    var text: String {
        let sizes = rows.map { String($0.records) }
        let growth = zip(rows, rows.dropFirst()).map { "growth \($0.records) → \($1.records)" }
        var output = [row(["measure"] + sizes + growth + ["target at 1000000"])]
        output.append(row(Array(repeating: "---", count: 2 + sizes.count + growth.count)))
        for line in Self.lines {
            let values = rows.map(line.value)
            var cells = [line.label] + values.map { $0.isNaN ? "–" : String(format: line.format, $0) }
            cells += zip(values, values.dropFirst()).map { $0.isNaN || $1.isNaN ? "–" : String(format: "%.2f", $1 / max($0, 1e-9)) }
            var target = line.targetText
            if let limit = line.target, let million = rows.first(where: { $0.records == 1_000_000 }), !line.value(million).isNaN {
                target += line.value(million) <= limit ? " ✓" : " ✗"
            }
            output.append(row(cells + [target]))
        }
        return output.joined(separator: "\n")
    }

    private func row(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }
}
