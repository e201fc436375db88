import EvidenceModel
import Foundation
import WireProtocol

/// CSV with a header row: a reviewer's sheet, or what `ldn export --format csv` writes.
/// Record columns are the record's JSON fields, with identifiers flattened:
///
/// | column | content |
/// |---|---|
/// | `title`, `journal`, `url`, `design`, `regimen`, `comparator`, `certainty`, `summary`, `source` | text |
/// | `year`, `participants`, `dose_mg`, `duration_weeks` | numbers |
/// | `doi`, `pmid`, `nct` | identifiers |
/// | `authors`, `conditions`, `adverse_events` | several values separated by `;` |
/// | `outcomes` | a JSON array of outcome objects, as in the JSON form |
///
/// Outcome columns (`CSVOutcomeColumns`) make a row one outcome of its study. Rows of one
/// study — the same DOI, else PMID, else NCT id, else title, year and first author; or a row
/// whose title, year and identifiers are all empty, which continues the study above — become
/// one record: its record columns must agree on every row that fills them, and its outcomes
/// are those of the `outcomes` column followed by one per row, in row order.
///
/// Empty cells are left out; rows with every cell empty are skipped. Only `title`, `year`,
/// `conditions` and `design` are required.
public enum CSVRecords {
    /// One value per study: what `table` writes.
    public static let recordColumns = ["title", "year", "authors", "journal", "doi", "pmid", "nct", "url", "conditions", "design",
                                       "participants", "dose_mg", "regimen", "duration_weeks", "comparator", "outcomes",
                                       "adverse_events", "certainty", "summary", "source"]
    /// One outcome per row.
    public static var outcomeColumns: [String] { CSVOutcomeColumns.columns }
    /// Every column `read` takes.
    public static let columns = recordColumns + CSVOutcomeColumns.columns
    static let numeric: Set<String> = ["year", "participants", "dose_mg", "duration_weeks"]
    static let lists: Set<String> = ["authors", "conditions", "adverse_events"]
    static let identifiers: Set<String> = ["doi", "pmid", "nct"]
    /// The columns that say which study a row belongs to.
    static let identity = ["title", "year", "doi", "pmid", "nct"]

    static func read(_ text: String, file: String) throws(FormatError) -> [SourceRecord] {
        let table: CSVTable
        do {
            table = try CSVTable(text)
        } catch {
            throw FormatError(file: file, line: error.line, message: error.message)
        }
        if let problem = headerProblem(table.header) { throw FormatError(file: file, line: 1, message: problem) }
        let recordHeader = table.header.filter { recordColumns.contains($0) }
        return CSVStudy.group(table.rows, header: table.header).enumerated().map { index, study in
            record(study, header: recordHeader, file: file, number: index + 1)
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

    static func record(_ study: CSVStudy, header: [String], file: String, number: Int) -> SourceRecord {
        var members: [(key: String, value: JSONValue)] = []
        var ids: [(key: String, value: JSONValue)] = []
        var problems = study.problems
        var listed: JSONValue?
        for name in header {
            guard let text = study.cells[name] else { continue }
            if identifiers.contains(name) {
                ids.append((name, .string(text)))
            } else if lists.contains(name) {
                members.append((name, .array(list(text).map(JSONValue.string))))
            } else if numeric.contains(name) {
                // A non-number is passed on as text, so that ingest names the field and the problem.
                members.append((name, Self.number(text) ?? .string(text)))
            } else if name == "outcomes" {
                do {
                    listed = try JSONParser.parse(text)
                } catch {
                    problems.append(Problem(field: "outcomes", message: "is not a JSON array of outcomes: \(error)"))
                }
            } else {
                members.append((name, .string(text)))
            }
        }
        let rowOutcomes = study.outcomes.map(\.outcome)
        switch (listed, rowOutcomes.isEmpty) {
        case (let listed?, true): members.append(("outcomes", listed))
        case (.array(let elements)?, false): members.append(("outcomes", .array(elements + rowOutcomes)))
        case (nil, false): members.append(("outcomes", .array(rowOutcomes)))
        case (_?, false):
            problems.append(Problem(field: "outcomes", message: "is not a JSON array, so the rows' outcome columns cannot be added to it"))
        case (nil, true): break
        }
        if !ids.isEmpty { members.append(("identifiers", .object(ids))) }
        let json = JSONWriter.data(.object(members))
        if problems.isEmpty, !rowOutcomes.isEmpty {
            // Checked here as ingest will check it, so that each problem names its row and column.
            let evaluation = RecordIntake.evaluate(json)
            let first = (listed?.arrayValue?.count ?? 0)
            problems = evaluation.errors.map { study.locate($0, firstRowOutcome: first) }
        }
        let lines = study.rows.map(\.line)
        let notes = lines.count < 2 ? [] : [ImportNote(.mapped, "one record from the rows on lines "
            + lines.map(String.init).joined(separator: ", ") + " (\(rowOutcomes.count) outcome\(rowOutcomes.count == 1 ? "" : "s") from the outcome columns)")]
        return SourceRecord(json: json,
                            provenance: Provenance(sourceFile: file, format: InputFormat.csv.rawValue, recordNumber: number,
                                                   line: study.rows.first?.line),
                            problems: problems, notes: notes)
    }

    /// "A; B ;C" → ["A", "B", "C"].
    static func list(_ text: String) -> [String] {
        text.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// A cell as a JSON number: whole numbers exactly, others as finite doubles ("nan" is text).
    /// The minus sign U+2212, as papers print it, reads as "-".
    static func number(_ text: String) -> JSONValue? {
        let text = text.contains("\u{2212}") ? text.replacingOccurrences(of: "\u{2212}", with: "-") : text
        if let integer = Int64(text) { return .number(.integer(integer)) }
        guard let double = Double(text), double.isFinite else { return nil }
        return .number(.double(double))
    }
}
