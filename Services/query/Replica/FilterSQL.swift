import EvidenceModel
import GRDB
import WireProtocol

/// A resolved filter as SQL. With a condition, the filtered columns are read from
/// `record_conditions f` (which carries status, design, certainty, year and participants),
/// so "what does the evidence say for condition X" reads one index range and touches the
/// records themselves only for the page it returns.
struct FilterSQL {
    /// The alias of the table the filtered columns come from: `f` or `r` (records).
    let table: String
    /// Identifiers are only in `records`.
    let needsRecords: Bool
    private(set) var clauses: [String] = []
    private(set) var arguments = StatementArguments()

    /// The record id column of `table`.
    var id: String { table == "f" ? "f.record_id" : "r.id" }

    init(_ filter: EvidenceFilter) {
        table = filter.condition == nil ? "r" : "f"
        needsRecords = filter.doi != nil || filter.pmid != nil || filter.nct != nil
        let t = table
        if let condition = filter.condition { add("f.code = ?", [condition]) }
        let statuses = filter.statuses
        if statuses.count == 1 {
            add("\(t).status = 'active'")
        } else if statuses.count < 3 {
            add("\(t).status IN (\(Array(repeating: "?", count: statuses.count).joined(separator: ", ")))", statuses.map(\.rawValue))
        }
        if let designs = filter.design, !designs.isEmpty {
            add("\(t).design IN (\(Array(repeating: "?", count: designs.count).joined(separator: ", ")))", designs.map(\.rawValue))
        }
        if let certainty = filter.minCertainty { add("\(t).certainty >= ?", [certainty.rank]) }
        if let from = filter.yearFrom { add("\(t).year >= ?", [from]) }
        if let to = filter.yearTo { add("\(t).year <= ?", [to]) }
        if let minimum = filter.minParticipants { add("\(t).participants >= ?", [minimum]) }
        switch (filter.outcome, filter.direction) {
        case let (measure?, direction?):
            add("\(id) IN (SELECT record_id FROM outcome_index WHERE measure = ? AND direction = ?)", [measure, direction.rawValue])
        case let (measure?, nil):
            add("\(id) IN (SELECT record_id FROM outcome_index WHERE measure = ?)", [measure])
        case let (nil, direction?):
            add("\(id) IN (SELECT record_id FROM outcome_index WHERE direction = ?)", [direction.rawValue])
        case (nil, nil): break
        }
        if let doi = filter.doi { add("r.doi = ?", [doi]) }
        if let pmid = filter.pmid { add("r.pmid = ?", [pmid]) }
        if let nct = filter.nct { add("r.nct = ?", [nct]) }
        if let match = Self.match(filter.terms) {
            add("\(id) IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?)", [match])
        }
    }

    private mutating func add(_ clause: String, _ values: [any DatabaseValueConvertible] = []) {
        clauses.append(clause)
        arguments += StatementArguments(values)
    }

    /// The tables to filter and count from: records are joined only when a clause needs them.
    var from: String {
        switch (table, needsRecords) {
        case ("f", false): "record_conditions f"
        case ("f", true): "record_conditions f JOIN records r ON r.id = f.record_id"
        default: "records r"
        }
    }

    /// `base` (which must name the records table `r`) joined to `record_conditions f` when
    /// the filter reads from it.
    func from(joiningTo base: String) -> String {
        table == "f" ? "\(base) JOIN record_conditions f ON f.record_id = r.id" : base
    }

    var whereClause: String { clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ") }

    /// Ties are broken by record id, so pages are stable.
    func orderBy(_ sort: QuerySort) -> String {
        switch sort {
        case .year: "\(table).year DESC, \(id) DESC"
        case .participants: "\(table).participants IS NULL, \(table).participants DESC, \(id) DESC"
        case .certainty: "\(table).certainty DESC, \(table).year DESC, \(id) DESC"
        case .id: id
        }
    }

    /// An FTS5 query that requires every word: each is quoted, so that no user text is
    /// read as FTS5 syntax. Nil when there are no words.
    static func match(_ terms: [String]) -> String? {
        guard !terms.isEmpty else { return nil }
        return terms.map { "\"\($0.replacingOccurrences(of: "\"", with: ""))\"" }.joined(separator: " ")
    }
}
