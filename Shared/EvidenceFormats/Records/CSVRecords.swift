import EvidenceModel
import Foundation
import WireProtocol

/// CSV with a header row. Columns are the record's JSON fields, with identifiers flattened:
///
/// | column | content |
/// |---|---|
/// | `title`, `journal`, `url`, `design`, `regimen`, `comparator`, `certainty`, `summary`, `source` | text |
/// | `year`, `participants`, `dose_mg`, `duration_weeks` | numbers |
/// | `doi`, `pmid`, `nct` | identifiers |
/// | `authors`, `conditions`, `adverse_events` | several values separated by `;` |
/// | `outcomes` | a JSON array of outcome objects, as in the JSON form |
///
/// Empty cells are left out. Only `title`, `year`, `conditions` and `design` are required.
public enum CSVRecords {
    public static let columns = ["title", "year", "authors", "journal", "doi", "pmid", "nct", "url", "conditions", "design",
                                 "participants", "dose_mg", "regimen", "duration_weeks", "comparator", "outcomes",
                                 "adverse_events", "certainty", "summary", "source"]
    static let numeric: Set<String> = ["year", "participants", "dose_mg", "duration_weeks"]
    static let lists: Set<String> = ["authors", "conditions", "adverse_events"]
    static let identifiers: Set<String> = ["doi", "pmid", "nct"]

    static func read(_ text: String, file: String) throws(FormatError) -> [SourceRecord] {
        let table: CSVTable
        do {
            table = try CSVTable(text)
        } catch {
            throw FormatError(file: file, line: error.line, message: error.message)
        }
        if let problem = headerProblem(table.header) { throw FormatError(file: file, line: 1, message: problem) }
        return table.rows.enumerated().map { index, row in
            record(row, header: table.header, file: file, number: index + 1)
        }
    }

    /// Every unknown or repeated column of a header, in one message; nil when all are fine.
    static func headerProblem(_ header: [String]) -> String? {
        var problems: [String] = []
        let unknown = header.filter { !columns.contains($0) }
        if !unknown.isEmpty {
            let named = unknown.map { name in
                "\"\(name)\"" + (suggestions(for: name, among: columns, limit: 1).first.map { " (did you mean \"\($0)\"?)" } ?? "")
            }
            problems.append("unknown column\(unknown.count == 1 ? "" : "s") \(named.joined(separator: ", "))")
        }
        var seen = Set<String>()
        let repeated = header.filter { columns.contains($0) && !seen.insert($0).inserted }
        if !repeated.isEmpty {
            problems.append("repeated column\(repeated.count == 1 ? "" : "s") \(repeated.map { "\"\($0)\"" }.joined(separator: ", "))")
        }
        guard !problems.isEmpty else { return nil }
        return problems.joined(separator: "; ") + "; columns are: \(columns.joined(separator: ", "))"
    }

    static func record(_ row: CSVTable.Row, header: [String], file: String, number: Int) -> SourceRecord {
        var members: [(key: String, value: JSONValue)] = []
        var ids: [(key: String, value: JSONValue)] = []
        var problems: [Problem] = []
        for (name, cell) in zip(header, row.fields) {
            let text = cell.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { continue }
            if identifiers.contains(name) {
                ids.append((name, .string(text)))
            } else if lists.contains(name) {
                members.append((name, .array(text.split(separator: ";").map { .string($0.trimmingCharacters(in: .whitespaces)) })))
            } else if numeric.contains(name) {
                // A non-number is passed on as text, so that ingest names the field and the problem.
                members.append((name, Self.number(text) ?? .string(text)))
            } else if name == "outcomes" {
                do {
                    members.append((name, try JSONParser.parse(text)))
                } catch {
                    problems.append(Problem(field: "outcomes", message: "is not a JSON array of outcomes: \(error)"))
                }
            } else {
                members.append((name, .string(text)))
            }
        }
        if !ids.isEmpty { members.append(("identifiers", .object(ids))) }
        return SourceRecord(json: JSONWriter.data(.object(members)),
                            provenance: Provenance(sourceFile: file, format: InputFormat.csv.rawValue, recordNumber: number, line: row.line),
                            problems: problems)
    }

    /// A cell as a JSON number: whole numbers exactly, others as finite doubles ("nan" is text).
    static func number(_ text: String) -> JSONValue? {
        if let integer = Int64(text) { return .number(.integer(integer)) }
        guard let double = Double(text), double.isFinite else { return nil }
        return .number(.double(double))
    }
}
