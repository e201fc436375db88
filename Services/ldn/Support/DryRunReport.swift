import EvidenceFormats
import EvidenceModel
import Foundation
import WireProtocol

/// `ldn submit --dry-run`: for each record, where it is in its file, what the import mapped,
/// inferred, dropped and left for review, and what ingest would make of it — checked with
/// the same validation ingest runs. Nothing is sent.
struct DryRunReport {
    let records: [SourceRecord]
    /// Each record's verdict, in order, validated once.
    let verdicts: [(verdict: Verdict, errors: [Problem], warnings: [Problem])]

    enum Verdict: String, Encodable {
        case valid, needsReview = "needs-review", rejected
    }

    init(records: [SourceRecord]) {
        self.records = records
        verdicts = records.map(Self.verdict)
    }

    static func verdict(_ record: SourceRecord) -> (verdict: Verdict, errors: [Problem], warnings: [Problem]) {
        guard record.problems.isEmpty else { return (.rejected, record.problems, []) }
        let evaluation = RecordIntake.evaluate(record.json)
        guard evaluation.isValid else { return (.rejected, evaluation.errors, evaluation.warnings) }
        return (record.provenance.initialStatus == .needsReview ? .needsReview : .valid, [], evaluation.warnings)
    }

    func print() {
        var tally: [Verdict: Int] = [:]
        for (record, (verdict, errors, warnings)) in zip(records, verdicts) {
            tally[verdict, default: 0] += 1
            let title = (try? JSONParser.parse(record.json))?["title"]?.stringValue ?? "(no title)"
            Swift.print("\(record.reference) (record \(record.provenance.recordNumber ?? 0)): \(Self.shortened(title, to: 70))")
            for note in record.notes { Swift.print("  \(note.kind.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0))\(note.text)") }
            for warning in warnings { Swift.print("  warning    \(warning)") }
            switch verdict {
            case .valid: Swift.print("  → would be sent")
            case .needsReview: Swift.print("  → would be sent, stored as needs-review")
            case .rejected: for error in errors { Swift.print("  → rejected: \(error)") }
            }
        }
        let parts = [(Verdict.valid, "valid"), (.needsReview, "for review"), (.rejected, "rejected")]
            .map { "\(tally[$0.0] ?? 0) \($0.1)" }
        Swift.print("Dry run: \(records.count) record\(records.count == 1 ? "" : "s") read, " + parts.joined(separator: ", ") + "; nothing was sent.")
    }

    var rejected: Int { verdicts.count { $0.verdict == .rejected } }

    struct Line: Encodable {
        var file: String?
        var line: Int?
        var recordNumber: Int?
        var verdict: Verdict
        var notes: [String]
        var errors: [Problem]
        var warnings: [Problem]
        var record: JSONValue?
    }

    var document: [Line] {
        zip(records, verdicts).map { record, verdict in
            let (verdict, errors, warnings) = verdict
            return Line(file: record.provenance.sourceFile, line: record.provenance.line,
                        recordNumber: record.provenance.recordNumber, verdict: verdict,
                        notes: record.notes.map(\.description), errors: errors, warnings: warnings,
                        record: try? JSONParser.parse(record.json))
        }
    }

    static func shortened(_ text: String, to length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }
}
