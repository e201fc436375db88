import EvidenceModel
import Foundation
import GRDB
import WireProtocol

extension ReplicaDatabase {
    /// One page of the records passing `filter`, and how many pass in all. The page's ids
    /// are found from the filtered columns alone; only those records are then read.
    func query(_ filter: EvidenceFilter, sort: QuerySort, limit: Int, offset: Int) async throws -> (total: Int, hits: [Hit]) {
        let sql = FilterSQL(filter)
        return try await pool.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(sql.from) \(sql.whereClause)", arguments: sql.arguments) ?? 0
            let ids = try Int64.fetchAll(db, sql: """
                SELECT \(sql.id) FROM \(sql.from) \(sql.whereClause) ORDER BY \(sql.orderBy(sort)) LIMIT ? OFFSET ?
                """, arguments: sql.arguments + [limit, offset])
            return (total, try Self.hits(ids, in: db))
        }
    }

    /// Records containing every word of `text`, best first (BM25), each with its best passage.
    func search(_ text: String, filter: EvidenceFilter, limit: Int) async throws -> (total: Int, hits: [Hit]) {
        var filter = filter
        filter.text = nil
        let words = EvidenceFilter(text: text).terms
        guard !words.isEmpty else { return (0, []) }
        let match = FilterSQL.match(words)
        let sql = FilterSQL(filter)
        let extra = sql.clauses.isEmpty ? "" : "AND " + sql.clauses.joined(separator: " AND ")
        let from = sql.from(joiningTo: "records_fts JOIN records r ON r.id = records_fts.rowid")
        return try await pool.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(from) WHERE records_fts MATCH ? \(extra)",
                                         arguments: [match] + sql.arguments) ?? 0
            let ranked = try Row.fetchAll(db, sql: """
                SELECT r.id, snippet(records_fts, -1, '**', '**', '…', 14) AS snippet, bm25(records_fts) AS rank
                FROM \(from) WHERE records_fts MATCH ? \(extra)
                ORDER BY bm25(records_fts) LIMIT ?
                """, arguments: [match] + sql.arguments + [limit])
            var hits = try Self.hits(ranked.map { $0["id"] }, in: db)
            for index in hits.indices {
                hits[index].snippet = ranked[index]["snippet"]
                hits[index].score = -(ranked[index]["rank"] as Double)
            }
            return (total, hits)
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
