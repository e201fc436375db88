import EvidenceModel
import Foundation

/// The rows of a CSV sheet that describe one study, merged: its record columns (each from the
/// first row that fills it), its row outcomes, and what did not fit, by line and column.
struct CSVStudy {
    struct Row {
        let line: Int
        /// Filled cells only, trimmed, by column.
        let cells: [String: String]
    }

    private(set) var rows: [Row] = []
    private(set) var cells: [String: String] = [:]
    /// The line each record column's value came from.
    private var cellLines: [String: Int] = [:]
    private(set) var outcomes: [(outcome: JSONValue, line: Int)] = []
    private(set) var problems: [Problem] = []
    /// As intake does: a hostile sheet gets a bounded list, not one as large as itself.
    static let maximumProblems = 100

    /// The sheet's rows as studies, in the order each study first appears.
    static func group(_ tableRows: [CSVTable.Row], header: [String]) -> [CSVStudy] {
        var studies: [CSVStudy] = []
        var byKey: [String: Int] = [:]
        var previous: Int?
        for tableRow in tableRows {
            var cells: [String: String] = [:]
            for (name, cell) in zip(header, tableRow.fields) {
                let text = cell.trimmingCharacters(in: .whitespacesAndNewlines)
                if !text.isEmpty { cells[name] = text }
            }
            guard !cells.isEmpty else { continue }
            let row = Row(line: tableRow.line, cells: cells)
            let target: Int
            if let previous, !CSVRecords.identity.contains(where: { cells[$0] != nil }) {
                target = previous
            } else if let known = byKey[key(of: cells)] {
                target = known
            } else {
                target = studies.count
                byKey[key(of: cells)] = target
                studies.append(CSVStudy())
            }
            studies[target].add(row)
            previous = target
        }
        return studies
    }

    /// The row's study, as the store would key the record (`EvidenceRecord.dedupKey`).
    static func key(of cells: [String: String]) -> String {
        let identifiers = Identifiers(doi: cells["doi"].map(Identifiers.normalizeDOI),
                                      pmid: cells["pmid"].map(Identifiers.normalizePMID),
                                      nct: cells["nct"].map(Identifiers.normalizeNCT))
        return EvidenceRecord.dedupKey(identifiers: identifiers, title: cells["title"] ?? "", year: cells["year"] ?? "",
                                       authors: cells["authors"].map(CSVRecords.list) ?? [])
    }

    private mutating func add(_ row: Row) {
        rows.append(row)
        for column in CSVRecords.recordColumns {
            guard let value = row.cells[column] else { continue }
            guard let earlier = cells[column], let earlierLine = cellLines[column] else {
                cells[column] = value
                cellLines[column] = row.line
                continue
            }
            if !Self.same(column, earlier, value) {
                add(CSVOutcomeColumns.problem(column, row.line,
                    "\"\(value)\" differs from \"\(earlier)\" on line \(earlierLine): the rows of one study must agree, or leave the cell empty"))
            }
        }
        let (outcome, cellProblems) = CSVOutcomeColumns.outcome(row.cells, line: row.line)
        cellProblems.forEach { add($0) }
        if let outcome { outcomes.append((outcome, row.line)) }
    }

    private mutating func add(_ problem: Problem) {
        if problems.count < Self.maximumProblems {
            problems.append(problem)
        } else if problems.count == Self.maximumProblems {
            problems.append(Problem(field: "", message: "more problems; only the first \(Self.maximumProblems) are listed"))
        }
    }

    /// Whether two cells of a record column say the same thing (identifiers and lists as
    /// intake reads them).
    static func same(_ column: String, _ a: String, _ b: String) -> Bool {
        switch column {
        case "doi": Identifiers.normalizeDOI(a) == Identifiers.normalizeDOI(b)
        case "pmid": Identifiers.normalizePMID(a) == Identifiers.normalizePMID(b)
        case "nct": Identifiers.normalizeNCT(a) == Identifiers.normalizeNCT(b)
        case _ where CSVRecords.lists.contains(column): CSVRecords.list(a) == CSVRecords.list(b)
        default: a == b
        }
    }

    /// `problem` from intake, pointed at the row and column it came from when it concerns a
    /// row's outcome (those follow the `outcomes` column's `firstRowOutcome` outcomes).
    func locate(_ problem: Problem, firstRowOutcome: Int) -> Problem {
        let field = problem.field[...]
        guard field.hasPrefix("outcomes["), let close = field.firstIndex(of: "]"),
              let index = Int(field[field.index(field.startIndex, offsetBy: 9)..<close]),
              outcomes.indices.contains(index - firstRowOutcome) else { return problem }
        let line = outcomes[index - firstRowOutcome].line
        let column = CSVOutcomeColumns.column(forPath: field[field.index(after: close)...])
        return Problem(field: CSVOutcomeColumns.location(column, line: line), message: problem.message)
    }
}
