import EvidenceFormats
import EvidenceModel
import Foundation
import WireProtocol

/// The end of `ldn submit`: totals, then each rejection (and warning) with file, line and field.
struct SubmitReport {
    let records: [SourceRecord]
    let results: [RecordResult]
    let seconds: Double
    static let warningsShown = 20

    func count(_ outcome: RecordOutcome) -> Int { results.count { $0.outcome == outcome } }

    func print() {
        let rate = Int(Double(records.count) / max(seconds, 0.001))
        Swift.print("Submitted \(records.count) record\(records.count == 1 ? "" : "s") in \(String(format: "%.2f", seconds)) s (\(rate) records/s): "
            + RecordOutcome.countsText(count) + ".")
        for (record, result) in zip(records, results) where result.outcome == .rejected || result.outcome == .conflict {
            for problem in result.errors ?? [] { Output.error("\(result.outcome.rawValue) \(record.reference): \(problem)") }
        }
        let warnings = zip(records, results).flatMap { record, result in (result.warnings ?? []).map { (record, $0) } }
        for (record, problem) in warnings.prefix(Self.warningsShown) { Output.error("warning \(record.reference): \(problem)") }
        if warnings.count > Self.warningsShown {
            Output.error("… and \(warnings.count - Self.warningsShown) more warnings (--json lists them all)")
        }
    }

    struct Line: Encodable {
        var file: String?
        var line: Int?
        var recordNumber: Int?
        var outcome: RecordOutcome
        var id: Int64?
        var key: String?
        var version: Int?
        var seq: Int64?
        var errors: [Problem]?
        var warnings: [Problem]?
    }

    struct Document: Encodable {
        var records: [Line]
        var accepted, duplicate, updated, rejected, conflict: Int
        var seconds: Double
    }

    var document: Document {
        Document(records: zip(records, results).map { record, result in
                     Line(file: record.provenance.sourceFile, line: record.provenance.line,
                          recordNumber: record.provenance.recordNumber, outcome: result.outcome, id: result.id,
                          key: result.key, version: result.version, seq: result.seq, errors: result.errors,
                          warnings: result.warnings)
                 },
                 accepted: count(.accepted), duplicate: count(.duplicate), updated: count(.updated),
                 rejected: count(.rejected), conflict: count(.conflict), seconds: seconds)
    }
}

extension RecordOutcome {
    /// "3 accepted, 0 duplicate, 0 updated, 1 rejected": every outcome, and conflicts only when
    /// there are any (they are rare, and the line stays as it always was without them).
    static func countsText(_ count: (RecordOutcome) -> Int) -> String {
        allCases.filter { $0 != .conflict || count($0) > 0 }.map { "\(count($0)) \($0.rawValue)" }.joined(separator: ", ")
    }
}
