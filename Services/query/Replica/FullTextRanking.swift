import GRDB

/// The best `limit` records matching an FTS5 query and passing a filter, in the order of
/// `ORDER BY bm25(records_fts), id` over every such record — exactly that order, cheaper.
///
/// A word in a third of 100 000 records made the one-statement form cost about 50 ms: for
/// every match SQLite joined the record to test the filter and computed BM25, then kept 10.
/// BM25 must be computed for every match (it depends on each record's term frequency and
/// length); the rest need not be:
/// - BM25 is `ldn_bm25` (`FullTextRankFunction`), FTS5's `bm25` to the last bit without its
///   lookups per query and per row: 33 000 matches rank in 5 ms instead of 19.
/// - the matches are ranked by the full-text index alone, and the filter is tested only on
///   the best `window` of them, in rank order. If at least `limit` of those pass (or every
///   record that passes does), they are the first `limit` passing records of the whole
///   order, since every record outside the window ranks after all inside it. Otherwise the
///   one-statement form answers (a filter that few of the best matches pass).
/// - the total joins no match to its record under the default filter (`count`).
/// - snippets are asked for the page only, in a statement of their own.
struct FullTextRanking {
    /// The words, each a phrase of the FTS5 query.
    let words: [String]
    /// The FTS5 query (`FilterSQL.match`).
    let match: String
    /// The filter, without words (those are `match`).
    let filter: FilterSQL
    /// Where the counts of phrases and matches are kept between searches.
    let counts: SearchCounts
    /// How many of the best matches the filter is tried on before falling back.
    let window: Int

    init(words: [String], filter: FilterSQL, counts: SearchCounts, window: Int? = nil) {
        self.words = words
        self.match = FilterSQL.match(words)
        self.filter = filter
        self.counts = counts
        self.window = window ?? 1000
    }

    /// A match and its BM25 value (lower is better, as SQLite returns it).
    struct Ranked: Equatable {
        let id: Int64
        let bm25: Double
    }

    /// How many records match and pass, and the best `limit` of them.
    func page(limit: Int, in db: Database) throws -> (total: Int, ranked: [Ranked]) {
        let phraseHits = try counts.phraseHits(words.map { FilterSQL.match([$0]) }, in: db)
        let score = Self.score(phraseHits)
        let total = try count(phraseHits, in: db)
        if filter.clauses.isEmpty {
            return (total, try ranked(db, sql: """
                SELECT records_fts.rowid AS id, \(score) AS score FROM \(Self.scored) WHERE records_fts MATCH ?
                ORDER BY score, id LIMIT ?
                """, arguments: [match, limit]))
        }
        guard total > 0 else { return (0, []) }
        // Under the default filter few matches fail (retracted, needing review): a window a
        // little larger than the page is tried first, as sorting and joining 1000 rows costs
        // a third as much again as ranking 33 000.
        let windows = filter.activeOnly && 2 * limit + 10 < window ? [2 * limit + 10, window] : [window]
        for window in windows {
            let best = try ranked(db, sql: """
                SELECT m.id, m.score FROM \(from("""
                    (SELECT records_fts.rowid AS id, \(score) AS score FROM \(Self.scored) WHERE records_fts MATCH ?
                     ORDER BY score, id LIMIT ?) m
                    """, id: "m.id")) \(filter.whereClause)
                ORDER BY m.score, m.id LIMIT ?
                """, arguments: [match, window] + filter.arguments + [limit])
            if best.count == min(limit, total) { return (total, best) }
        }
        return (total, try ranked(db, sql: """
            SELECT r.id, \(score) AS score FROM \(from(Self.scored)) WHERE records_fts MATCH ? \(extra)
            ORDER BY score, r.id LIMIT ?
            """, arguments: [match] + filter.arguments + [limit]))
    }

    /// How many records match and pass the filter. Without a filter, or with the default one
    /// (active records only), no match is joined to its record: every record has exactly one
    /// row in the index (written in one transaction), the records matching a one-phrase query
    /// are those containing the phrase, and the few records not active are an index of their
    /// own (`records_not_active`) to take away. For a word in a third of 100 000 records,
    /// 2 ms instead of 9, and nothing while the copy does not change (`SearchCounts`).
    private func count(_ phraseHits: [Int64], in db: Database) throws -> Int {
        guard filter.clauses.isEmpty || filter.activeOnly else {
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(from("records_fts")) WHERE records_fts MATCH ? \(extra)",
                                    arguments: [match] + filter.arguments) ?? 0
        }
        let key = "\(filter.activeOnly ? "active " : "")records matching \(match)"
        return try Int(counts.count(key, in: db) {
            let matches = try phraseHits.count == 1 ? phraseHits[0] : SearchCounts.records(matching: match, in: db)
            guard filter.activeOnly, matches > 0 else { return matches }
            // `+rowid`: each match is tested against the list as it goes by, not looked up one by one.
            return try matches - (Int64.fetchOne(db, sql: """
                SELECT COUNT(*) FROM records_fts WHERE records_fts MATCH ?
                AND +rowid IN (SELECT id FROM records INDEXED BY records_not_active WHERE status != 'active')
                """, arguments: [match]) ?? 0)
        })
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

    /// The index joined to each row's length, which `ldn_bm25` reads from it.
    private static let scored = "records_fts JOIN records_fts_docsize fts_size ON fts_size.id = records_fts.rowid"

    /// The row's BM25 value, lower is better (as FTS5's `bm25` gives it). The counts are
    /// integers, written into the statement.
    private static func score(_ phraseHits: [Int64]) -> String {
        "\(FullTextRankFunction.name)(records_fts, fts_size.sz\(phraseHits.map { ", \($0)" }.joined()))"
    }

    private var extra: String { filter.clauses.isEmpty ? "" : "AND " + filter.clauses.joined(separator: " AND ") }

    private func ranked(_ db: Database, sql: String, arguments: StatementArguments) throws -> [Ranked] {
        try Row.fetchAll(db, sql: sql, arguments: arguments).map { Ranked(id: $0["id"], bm25: $0["score"]) }
    }
}
