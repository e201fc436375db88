import EvidenceModel
import Foundation
import WireProtocol

/// A JSON file: one record object, or an array of them.
enum JSONRecords {
    static func read(_ text: String, file: String) throws(FormatError) -> [SourceRecord] {
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            throw FormatError(file: file, line: error.line, message: "invalid JSON: \(error.message) (column \(error.column))")
        }
        let elements: [JSONValue] = if case .array(let items) = value { items } else { [value] }
        return elements.enumerated().map { index, element in
            SourceRecord(json: JSONWriter.data(element),
                         provenance: Provenance(sourceFile: file, format: InputFormat.json.rawValue, recordNumber: index + 1))
        }
    }
}

/// JSON Lines: one record per line; blank lines are skipped. Lines are sent as they are,
/// so ingest reports a malformed line's JSON error against that line.
enum JSONLinesRecords {
    static func read(_ text: String, file: String) throws(FormatError) -> [SourceRecord] {
        var records: [SourceRecord] = []
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmedEdges
            guard !trimmed.isEmpty else { continue }
            records.append(SourceRecord(json: Data(trimmed.utf8),
                                        provenance: Provenance(sourceFile: file, format: InputFormat.jsonl.rawValue,
                                                               recordNumber: records.count + 1, line: offset + 1)))
        }
        return records
    }
}
