import EvidenceModel
import Foundation
import GRDB
import WireProtocol

extension ReplicaDatabase {
    /// One page of the records passing `filter`, and how many pass in all. The page's ids
    /// are found from the filtered columns alone (`FilteredQuery`); only those records are
    /// then read.
    func query(_ filter: EvidenceFilter, sort: QuerySort, limit: Int, offset: Int) async throws -> (total: Int, hits: [Hit]) {
        let query = FilteredQuery(filter)
        return try await pool.read { db in
            let total = try query.total(in: db)
            return (total, try Self.hits(query.ids(sort: sort, limit: limit, offset: offset, in: db), in: db))
        }
    }

    /// Records containing every word of `text`, best first (BM25, ties by id), each with its
    /// best passage. The ranking is exact: it is `ORDER BY bm25, id LIMIT limit` over every
    /// match that passes the filter (`FullTextRanking`), but the filter and the snippets are
    /// computed for a few rows instead of every match.
    func search(_ text: String, filter: EvidenceFilter, limit: Int) async throws -> (total: Int, hits: [Hit]) {
        var filter = filter
        filter.text = nil
        let words = EvidenceFilter(text: text).terms
        guard !words.isEmpty else { return (0, []) }
        let filterSQL = FilterSQL(filter)
        return try await pool.read { db in
            let ranking = FullTextRanking(words: words, filter: filterSQL, counts: searchCounts)
            let page = try ranking.page(limit: limit, in: db)
            var hits = try Self.hits(page.ranked.map(\.id), in: db)
            let snippets = try ranking.snippets(page.ranked.map(\.id), in: db)
            let scores = Dictionary(uniqueKeysWithValues: page.ranked.map { ($0.id, $0.bm25) })
            for index in hits.indices {
                hits[index].snippet = snippets[hits[index].id]
                hits[index].score = scores[hits[index].id].map { -$0 }
            }
            return (page.total, hits)
        }
    }

    /// The records with these ids, in this order.
    static func hits(_ ids: [Int64], in db: Database) throws -> [Hit] {
        guard !ids.isEmpty else { return [] }
        var byID: [Int64: Hit] = [:]
        try Row.fetchCursor(db, sql: """
            SELECT r.id, r.seq, r.key, r.version, r.status, b.body FROM records r JOIN record_bodies b ON b.id = r.id
            WHERE r.id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ", ")))
            """, arguments: StatementArguments(ids)).forEach { row in
            let id: Int64 = row["id"]
            byID[id] = Hit(id: id, seq: row["seq"], key: row["key"], version: row["version"],
                           status: RecordStatus(rawValue: row["status"]) ?? .active, recordJSON: row["body"])
        }
        return ids.compactMap { byID[$0] }
    }
}
