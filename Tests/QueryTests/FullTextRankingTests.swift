import EvidenceModel
import Foundation
import GRDB
import Replication
import Testing
import WireProtocol
@testable import Query

/// The search ranking against the one-statement query it replaced, run as the oracle on the
/// same real FTS5 database: `ORDER BY bm25(records_fts), id LIMIT` over every match that
/// passes the filter, with its snippet and BM25 value computed for every match.
@Suite("Full-text ranking: the same order, snippets and scores as ranking every match")
struct FullTextRankingTests {
    /// 400 synthetic records (not real studies) whose words repeat with different frequencies
    /// in texts of different lengths, so that BM25 spreads them and also ties some, across
    /// conditions, designs, years and statuses.
    static func fixture() async throws -> ReplicaFixture {
        let fixture = try ReplicaFixture()
        let conditions = ["crohns", "ms", "fibromyalgia", "crps"]
        let designs: [StudyDesign] = [.rct, .cohort, .openLabel]
        let changes = (1...400).map { n -> ReadChange in
            let sleep = Array(repeating: "sleep", count: n % 4).joined(separator: " ")
            let filler = Array(repeating: "nightly", count: n % 7).joined(separator: " ")
            let record = study("Synthetic study \(n) of LDN \(sleep)", year: 2000 + n % 20, conditions: [conditions[n % 4]],
                               design: designs[n % 3], outcomes: [Outcome(measure: n % 5 == 0 ? "mood" : "pain", direction: .improved)],
                               summary: "Generated \(filler) text; participants slept \(n % 2 == 0 ? "well" : "badly") \(sleep).")
            let status: RecordStatus = n % 13 == 0 ? .retracted : n % 17 == 0 ? .needsReview : .active
            return fixture.change(Int64(n), record, status: status)
        }
        try await fixture.replica.apply(changes)
        return fixture
    }

    struct Answer: Equatable {
        var total: Int
        var ids: [Int64]
        var snippets: [String?]
        var scores: [Double?]
    }

    /// The one-statement form: every match joined, filtered, scored and given a snippet.
    static func oracle(_ words: String, _ filter: EvidenceFilter, limit: Int, in replica: ReplicaDatabase) async throws -> Answer {
        let match = FilterSQL.match(EvidenceFilter(text: words).terms)
        let sql = FilterSQL(filter)
        let extra = sql.clauses.isEmpty ? "" : "AND " + sql.clauses.joined(separator: " AND ")
        let from = sql.from(joiningTo: "records_fts JOIN records r ON r.id = records_fts.rowid")
        return try await replica.pool.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(from) WHERE records_fts MATCH ? \(extra)",
                                         arguments: [match] + sql.arguments) ?? 0
            let rows = try Row.fetchAll(db, sql: """
                SELECT r.id, snippet(records_fts, -1, '**', '**', '…', 14) AS snippet, bm25(records_fts) AS rank
                FROM \(from) WHERE records_fts MATCH ? \(extra) ORDER BY bm25(records_fts), r.id LIMIT ?
                """, arguments: [match] + sql.arguments + [limit])
            return Answer(total: total, ids: rows.map { $0["id"] }, snippets: rows.map { $0["snippet"] },
                          scores: rows.map { -($0["rank"] as Double) })
        }
    }

    static let filters: [(String, EvidenceFilter)] = [
        ("active only (the default)", EvidenceFilter()),
        ("every status (no clause)", EvidenceFilter(includeRetracted: true, includeNeedsReview: true)),
        ("a condition", EvidenceFilter(condition: "crohns")),
        ("condition, design and years", EvidenceFilter(condition: "ms", design: [.rct], yearFrom: 2005, yearTo: 2012)),
        ("an outcome few of the best matches have", EvidenceFilter(outcome: "mood")),
        ("nothing passes", EvidenceFilter(condition: "crohns", yearFrom: 2030)),
    ]

    @Test("The service's search answers as the one-statement query", arguments: ["sleep", "ldn", "sleep well", "study 123", "absent"])
    func searchMatchesOracle(words: String) async throws {
        let fixture = try await Self.fixture()
        for (name, filter) in Self.filters {
            let resolved = try filter.resolved()
            for limit in [1, 10, 100] {
                let page = try await fixture.replica.search(words, filter: resolved, limit: limit)
                let answer = Answer(total: page.total, ids: page.hits.map(\.id), snippets: page.hits.map(\.snippet),
                                    scores: page.hits.map(\.score))
                let expected = try await Self.oracle(words, resolved, limit: limit, in: fixture.replica)
                #expect(answer == expected, "\(words), \(name), limit \(limit)")
            }
        }
    }

    @Test("Windows too small for the filter fall back and still give the exact order")
    func smallWindows() async throws {
        let fixture = try await Self.fixture()
        for (name, filter) in Self.filters {
            let resolved = try filter.resolved()
            for window in [1, 3, 25, 1000] {
                let ranking = FullTextRanking(words: ["sleep"], filter: FilterSQL(resolved), counts: fixture.replica.searchCounts,
                                              window: window)
                let page = try await fixture.replica.pool.read { db in try ranking.page(limit: 10, in: db) }
                let expected = try await Self.oracle("sleep", resolved, limit: 10, in: fixture.replica)
                #expect(page.total == expected.total && page.ranked.map(\.id) == expected.ids, "\(name), window \(window)")
                #expect(page.ranked.map { -$0.bm25 } == expected.scores.map { $0! }, "\(name), window \(window)")
            }
        }
    }

    @Test("When the best matches are all retracted, the default filter's first small window falls back and the order stays exact")
    func bestMatchesRetracted() async throws {
        let fixture = try await Self.fixture()
        // 40 short records that rank before every other match of "sleep", all retracted.
        try await fixture.replica.apply((401...440).map {
            fixture.change($0, study("sleep sleep sleep \($0)", year: 2020, conditions: ["ms"], design: .rct), status: .retracted)
        })
        let filter = try EvidenceFilter().resolved()
        let unfiltered = try await fixture.replica.search("sleep", filter: try EvidenceFilter(includeRetracted: true).resolved(), limit: 40)
        #expect(unfiltered.hits.allSatisfy { $0.status == .retracted }, "the retracted records rank first")
        for limit in [1, 10, 100] {
            let page = try await fixture.replica.search("sleep", filter: filter, limit: limit)
            let expected = try await Self.oracle("sleep", filter, limit: limit, in: fixture.replica)
            #expect(page.total == expected.total && page.hits.map(\.id) == expected.ids && page.hits.map(\.score) == expected.scores,
                    "limit \(limit)")
            #expect(page.hits.count == limit && page.hits.allSatisfy { $0.status == .active })
        }
    }

    @Test("Ties in BM25 are broken by record id, so a page is stable")
    func tiesByID() async throws {
        let fixture = try await Self.fixture()
        let page = try await fixture.replica.search("ldn", filter: try EvidenceFilter().resolved(), limit: 100)
        let pairs = zip(page.hits, page.hits.dropFirst())
        #expect(pairs.contains { $0.score == $1.score }, "the fixture has ties")
        #expect(pairs.allSatisfy { $0.score! > $1.score! || ($0.score == $1.score && $0.id < $1.id) })
    }
}
