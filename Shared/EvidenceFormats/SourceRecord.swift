import EvidenceModel
import Foundation
import WireProtocol

/// One record read from a file, ready to submit: its JSON, where it came from, and any
/// problem found while converting it (then it is not sent, and counts as rejected).
public struct SourceRecord: Sendable {
    public var json: Data
    public var provenance: Provenance
    /// Problems found before sending: a CSV cell that cannot be converted, say.
    public var problems: [Problem]
    /// How an imported record was mapped: what was carried over, inferred, dropped, left for review.
    public var notes: [ImportNote]

    public init(json: Data, provenance: Provenance, problems: [Problem] = [], notes: [ImportNote] = []) {
        self.json = json
        self.provenance = provenance
        self.problems = problems
        self.notes = notes
    }

    /// "studies.csv line 4", "studies.json record 3".
    public var reference: String {
        let file = provenance.sourceFile ?? "input"
        if let line = provenance.line { return "\(file) line \(line)" }
        return "\(file) record \(provenance.recordNumber ?? 0)"
    }
}

/// Why a whole file cannot be read; nothing from it is sent.
public struct FormatError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int?
    public let message: String

    public init(file: String, line: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line.map { "\(file) line \($0): \(message)" } ?? "\(file): \(message)" }
}
