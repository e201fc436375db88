import EvidenceModel
import Foundation

extension CSVRecords {
    /// Records as CSV in the form `read` takes back: the header row of `recordColumns`, one row per
    /// record, fields quoted when they hold a comma, quote or line break (RFC 4180, CRLF).
    public static func table(_ records: [JSONValue]) -> String {
        var lines = [recordColumns.joined(separator: ",")]
        lines.reserveCapacity(records.count + 1)
        for record in records {
            lines.append(recordColumns.map { quoted(cell($0, of: record)) }.joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func cell(_ column: String, of record: JSONValue) -> String {
        let value = identifiers.contains(column) ? record["identifiers"]?[column] : record[column]
        switch value {
        case nil, .null?: return ""
        case .string(let text)?: return text
        case .array(let elements)? where lists.contains(column):
            return elements.compactMap(\.stringValue).joined(separator: "; ")
        case let other?: return JSONWriter.string(other)
        }
    }

    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
