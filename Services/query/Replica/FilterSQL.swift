import EvidenceModel
import GRDB
import WireProtocol

/// A resolved filter as SQL: each of its predicates (`EvidenceFilter.predicates`, the one
/// definition of the filter language) rendered as one clause. With a condition, the filtered
/// columns are read from `record_conditions f` (which carries status, design, certainty, year
/// and participants), so "what does the evidence say for condition X" reads one index range
/// and touches the records themselves only for the page it returns.
struct FilterSQL {
    /// The alias of the table the filtered columns come from: `f` or `r` (records).
    let table: String
    /// Identifiers are only in `records`.
    let needsRecords: Bool
    private(set) var clauses: [String] = []
    private(set) var arguments = StatementArguments()
    /// The filter is the default one alone: active records only.
    let activeOnly: Bool

    /// The record id column of `table`.
    var id: String { table == "f" ? "f.record_id" : "r.id" }

    init(_ filter: EvidenceFilter) { self.init(filter.predicates) }

    init(_ predicates: [FilterPredicate]) {
        table = predicates.contains { if case .condition = $0 { true } else { false } } ? "f" : "r"
        needsRecords = predicates.contains {
            switch $0 {
            case .doi, .pmid, .nct: true
            default: false
            }
        }
        activeOnly = predicates == [.status([.active])]
        for predicate in predicates { add(predicate) }
    }

    /// The predicate's clause: true for the same records as `FilterPredicate.matches`.
    private mutating func add(_ predicate: FilterPredicate) {
        let t = table
        switch predicate {
        case .condition(let code): add("f.code = ?", [code])
        case .status(let statuses) where statuses == [.active]: add("\(t).status = 'active'")
        case .status(let statuses): add("\(t).status IN \(Self.placeholders(statuses.count))", statuses.map(\.rawValue))
        case .design(let designs): add("\(t).design IN \(Self.placeholders(designs.count))", designs.map(\.rawValue))
        case .minCertainty(let certainty): add("\(t).certainty >= ?", [certainty.rank])
        case .yearFrom(let year): add("\(t).year >= ?", [year])
        case .yearTo(let year): add("\(t).year <= ?", [year])
        case .minParticipants(let minimum): add("\(t).participants >= ?", [minimum])  // NULL fails
        case .outcome(let measure, let direction):
            let tests = [measure.map { _ in "measure = ?" }, direction.map { _ in "direction = ?" }].compactMap { $0 }
            add("\(id) IN (SELECT record_id FROM outcome_index WHERE \(tests.joined(separator: " AND ")))",
                [measure, direction?.rawValue].compactMap { $0 })
        case .doi(let doi): add("r.doi = ?", [doi])
        case .pmid(let pmid): add("r.pmid = ?", [pmid])
        case .nct(let nct): add("r.nct = ?", [nct])
        case .words(let words): add("\(id) IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?)", [Self.match(words)])
        }
    }

    private mutating func add(_ clause: String, _ values: [any DatabaseValueConvertible] = []) {
        clauses.append(clause)
        arguments += StatementArguments(values)
    }

    private static func placeholders(_ count: Int) -> String {
        "(" + Array(repeating: "?", count: count).joined(separator: ", ") + ")"
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
    /// read as FTS5 syntax.
    static func match(_ words: [String]) -> String {
        words.map { "\"\($0.replacingOccurrences(of: "\"", with: ""))\"" }.joined(separator: " ")
    }
}
