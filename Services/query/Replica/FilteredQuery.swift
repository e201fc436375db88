import EvidenceModel
import GRDB
import WireProtocol

/// A filtered query's total and page, read without visiting every passing record when the
/// filter names a condition ("what does the evidence say for X"), the same answer as
/// `COUNT(*)` and `ORDER BY … LIMIT … OFFSET` over every passing row.
///
/// At a million records a condition, design and certainty range holds about 20 000 rows:
/// counting them and sorting them for a page of 20 grew with the matches (9 ms). Instead:
/// - the total is summed from `condition_counts` (rows per code, status, design, certainty
///   and year, kept by triggers on `record_conditions`) when the filter tests only those
///   columns: at most one row per year of each design and certainty it allows.
/// - `record_conditions` is ordered by (code, status, design, certainty, year, record_id), so
///   a condition's rows with one status, design and certainty — a run — are in year order.
///   A page by year (or by certainty, then year) is the best `offset + limit` rows of each
///   run the filter allows, merged: a few short index reads instead of a sort of every row.
/// Other filters and sorts, and filters with a subquery (outcome, words), read as before.
struct FilteredQuery {
    let sql: FilterSQL
    /// The status, design and certainty of each run the filter allows; empty without a condition.
    private let runs: [(status: String, design: String, certainty: Int)]
    /// The filter without its status, design and certainty tests, which each run replaces by
    /// equalities (with the range tests beside them SQLite would sort the run).
    private let runFilter: FilterSQL
    /// Whether `condition_counts` can count the filter: it tests only the columns it keys.
    private let countable: Bool

    init(_ filter: EvidenceFilter) {
        sql = FilterSQL(filter)
        var statuses = RecordStatus.allCases
        var designs = StudyDesign.allCases
        var certainties = Certainty.allCases
        var countable = true
        var subquery = false
        var others: [FilterPredicate] = []
        for predicate in filter.predicates {
            switch predicate {
            case .status(let allowed): statuses = statuses.filter(allowed.contains)
            case .design(let allowed): designs = designs.filter(allowed.contains)
            case .minCertainty(let minimum): certainties = certainties.filter { $0 >= minimum }
            case .condition, .yearFrom, .yearTo: others.append(predicate)
            case .minParticipants, .doi, .pmid, .nct: (countable, others) = (false, others + [predicate])
            case .outcome, .words: (countable, subquery, others) = (false, true, others + [predicate])
            }
        }
        runFilter = FilterSQL(others)
        let byCondition = sql.table == "f"
        self.countable = byCondition && countable
        // A subquery's rows (`IN (SELECT …)`) would be gathered again for every run.
        runs = byCondition && !subquery ? statuses.flatMap { status in
            designs.flatMap { design in certainties.map { (status.rawValue, design.rawValue, $0.rank) } }
        } : []
    }

    /// How many records pass.
    func total(in db: Database) throws -> Int {
        let sql = countable
            ? "SELECT COALESCE(SUM(f.n), 0) FROM condition_counts f \(self.sql.whereClause)"
            : "SELECT COUNT(*) FROM \(self.sql.from) \(self.sql.whereClause)"
        return try Int.fetchOne(db.cachedStatement(sql: sql), arguments: self.sql.arguments) ?? 0
    }

    /// The ids of one page of the passing records, in `sort`'s order.
    func ids(sort: QuerySort, limit: Int, offset: Int, in db: Database) throws -> [Int64] {
        guard !runs.isEmpty, let merged = Self.mergedOrder(sort) else {
            return try Int64.fetchAll(db.cachedStatement(sql: """
                SELECT \(sql.id) FROM \(sql.from) \(sql.whereClause) ORDER BY \(sql.orderBy(sort)) LIMIT ? OFFSET ?
                """), arguments: sql.arguments + [limit, offset])
        }
        let (depth, overflow) = limit.addingReportingOverflow(offset)
        // Each run's rows in (year, record_id) order, the best `depth` of them.
        let run = """
            SELECT * FROM (SELECT f.record_id AS id, f.certainty AS certainty, f.year AS year FROM \(runFilter.from)
            \(runFilter.whereClause) AND f.status = ? AND f.design = ? AND f.certainty = ?
            ORDER BY f.year DESC, f.record_id DESC LIMIT ?)
            """
        var arguments = StatementArguments()
        for run in runs {
            arguments += runFilter.arguments + [run.status, run.design, run.certainty, overflow ? Int.max : depth]
        }
        return try Int64.fetchAll(db.cachedStatement(sql: """
            SELECT id FROM (\(Array(repeating: run, count: runs.count).joined(separator: " UNION ALL ")))
            ORDER BY \(merged) LIMIT ? OFFSET ?
            """), arguments: arguments + [limit, offset])
    }

    /// `FilterSQL.orderBy(sort)` over the merged runs' columns, for the sorts whose order
    /// each run already has (year, then id).
    private static func mergedOrder(_ sort: QuerySort) -> String? {
        switch sort {
        case .year: "year DESC, id DESC"
        case .certainty: "certainty DESC, year DESC, id DESC"
        case .participants, .id: nil
        }
    }
}
