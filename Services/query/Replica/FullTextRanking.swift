import GRDB

/// The best `limit` records matching an FTS5 query and passing a filter, in the order of
/// `ORDER BY bm25(records_fts), id` over every such record — exactly that order, cheaper.
///
/// A word in a third of 100 000 records made the one-statement form cost about 50 ms: for
/// every match SQLite joined the record to test the filter and computed BM25, then kept 10.
/// BM25 must be computed for every match (it depends on each record's term frequency and
/// length): that alone is about 30 ms there, the floor of any exact ranking in SQLite. The
/// count still tests the filter on every match (about 10 ms); the ranking need not:
/// - the matches are ranked by the full-text index alone, and the filter is tested only on
///   the best `window` of them, in rank order. If at least `limit` of those pass (or every
///   record that passes does), they are the first `limit` passing records of the whole
///   order, since every record outside the window ranks after all inside it. Otherwise the
///   one-statement form answers (a filter that few of the best matches pass).
/// - snippets are asked for the page only, in a statement of their own.
struct FullTextRanking {
    /// The FTS5 query (`FilterSQL.match`).
    let match: String
    /// The filter, without words (those are `match`).
    let filter: FilterSQL
    /// How many of the best matches the filter is tried on before falling back.
    let window: Int

    init(match: String, filter: FilterSQL, window: Int? = nil) {
        self.match = match
        self.filter = filter
        self.window = window ?? 1000
    }

    /// A match and its BM25 value (lower is better, as SQLite returns it).
    struct Ranked: Equatable {
        let id: Int64
        let bm25: Double
    }

    /// How many records match and pass, and the best `limit` of them.
    func page(limit: Int, in db: Database) throws -> (total: Int, ranked: [Ranked]) {
        if filter.clauses.isEmpty {
            // Every record has exactly one row in the index (written in one transaction).
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM records_fts WHERE records_fts MATCH ?",
                                         arguments: [match]) ?? 0
            return (total, try ranked(db, sql: """
                SELECT rowid AS id, bm25(records_fts) AS score FROM records_fts WHERE records_fts MATCH ?
                ORDER BY score, rowid LIMIT ?
                """, arguments: [match, limit]))
        }
        let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(from("records_fts")) WHERE records_fts MATCH ? \(extra)",
                                     arguments: [match] + filter.arguments) ?? 0
        guard total > 0 else { return (0, []) }
        let best = try ranked(db, sql: """
            SELECT m.id, m.score FROM \(from("""
                (SELECT rowid AS id, bm25(records_fts) AS score FROM records_fts WHERE records_fts MATCH ?
                 ORDER BY score, rowid LIMIT ?) m
                """, id: "m.id")) \(filter.whereClause)
            ORDER BY m.score, m.id LIMIT ?
            """, arguments: [match, window] + filter.arguments + [limit])
        if best.count == min(limit, total) { return (total, best) }
        return (total, try ranked(db, sql: """
            SELECT r.id, bm25(records_fts) AS score FROM \(from("records_fts")) WHERE records_fts MATCH ? \(extra)
            ORDER BY score, r.id LIMIT ?
            """, arguments: [match] + filter.arguments + [limit]))
    }

    /// The best passage of each of these records, the matched words between `**`.
    func snippets(_ ids: [Int64], in db: Database) throws -> [Int64: String] {
        guard !ids.isEmpty else { return [:] }
        var snippets: [Int64: String] = [:]
        try Row.fetchCursor(db, sql: """
            SELECT rowid, snippet(records_fts, -1, '**', '**', '…', 14) AS snippet FROM records_fts
            WHERE records_fts MATCH ? AND rowid IN (\(Array(repeating: "?", count: ids.count).joined(separator: ", ")))
            """, arguments: [match] + StatementArguments(ids)).forEach { row in
            snippets[row["rowid"]] = row["snippet"]
        }
        return snippets
    }

    /// `source` (one row per match, its record id in `id`) joined to the records and the
    /// tables the filter reads.
    private func from(_ source: String, id: String = "records_fts.rowid") -> String {
        filter.from(joiningTo: "\(source) JOIN records r ON r.id = \(id)")
    }

    private var extra: String { filter.clauses.isEmpty ? "" : "AND " + filter.clauses.joined(separator: " AND ") }

    private func ranked(_ db: Database, sql: String, arguments: StatementArguments) throws -> [Ranked] {
        try Row.fetchAll(db, sql: sql, arguments: arguments).map { Ranked(id: $0["id"], bm25: $0["score"]) }
    }
}
