import EvidenceModel
import Foundation
import GRDB
import Replication
import Testing
import WireProtocol
@testable import Query

/// `ldn_bm25` against FTS5's own `bm25` on a real replica: the same value for every match,
/// and counts that follow the copy as it changes.
@Suite("BM25 from the row's size and kept phrase counts: FTS5's value, to the last bit")
struct FullTextRankFunctionTests {
    /// Each match's `bm25` and `ldn_bm25` (with the row's size joined, or NULL to make it ask
    /// FTS5), for a query in the replica's current snapshot.
    static func bothScores(_ words: [String], size: String = "fts_size.sz",
                           in replica: ReplicaDatabase) async throws -> [(id: Int64, fts5: Double, ours: Double)] {
        try await replica.pool.read { db in
            let hits = try replica.searchCounts.phraseHits(words.map { FilterSQL.match([$0]) }, in: db)
            let ours = "ldn_bm25(records_fts, \(size)\(hits.map { ", \($0)" }.joined()))"
            return try Row.fetchAll(db, sql: """
                SELECT records_fts.rowid AS id, bm25(records_fts) AS fts5, \(ours) AS ours
                FROM records_fts JOIN records_fts_docsize fts_size ON fts_size.id = records_fts.rowid
                WHERE records_fts MATCH ? ORDER BY id
                """, arguments: [FilterSQL.match(words)]).map { ($0["id"], $0["fts5"], $0["ours"]) }
        }
    }

    static let queries: [[String]] = [["sleep"], ["sleep", "well"], ["ldn", "sleep", "sleep"], ["covid-19"], ["study", "7"],
                                      ["nightly"], ["absent"]]

    @Test("Every match of every query scores as FTS5's bm25, with the row's size joined or asked of FTS5")
    func sameAsFTS5() async throws {
        let fixture = try await FullTextRankingTests.fixture()
        try await fixture.replica.apply([fixture.change(401, study("COVID-19 and LDN, sleep after covid 19", year: 2022,
                                                                     conditions: ["long-covid"], design: .openLabel))])
        var compared = 0
        for words in Self.queries {
            for size in ["fts_size.sz", "NULL"] {
                let rows = try await Self.bothScores(words, size: size, in: fixture.replica)
                #expect(rows.allSatisfy { $0.fts5 == $0.ours }, "\(words), size \(size): \(rows.filter { $0.fts5 != $0.ours }.prefix(3))")
                compared += rows.count
            }
        }
        #expect(try await Self.bothScores(["covid-19"], in: fixture.replica).count == 1, "a word of two tokens is one phrase")
        #expect(compared > 1000, "matches compared: \(compared)")
    }

    @Test("A wrong number of counts is an SQL error naming the function, not a wrong score")
    func wrongArguments() async throws {
        let fixture = try await FullTextRankingTests.fixture()
        let error = #expect(throws: DatabaseError.self) {
            try fixture.replica.pool.read { db in
                try Row.fetchAll(db, sql: "SELECT ldn_bm25(records_fts, NULL, 5) FROM records_fts WHERE records_fts MATCH '\"sleep\" \"well\"'")
            }
        }
        #expect(error?.message?.contains("ldn_bm25: expected the row's size and 2 phrase counts, got 2 values") == true, "\(String(describing: error))")
    }

    @Test("After records are added, changed and retracted, counts and scores follow: the same as bm25 and as the one-statement search")
    func countsFollowChanges() async throws {
        let fixture = try await FullTextRankingTests.fixture()
        let replica = fixture.replica
        let filter = try EvidenceFilter().resolved()
        func searchAgreesWithOracle(_ moment: String) async throws {
            for words in ["sleep", "sleep well", "nightly"] {
                let page = try await replica.search(words, filter: filter, limit: 20)
                let expected = try await FullTextRankingTests.oracle(words, filter, limit: 20, in: replica)
                #expect(page.total == expected.total && page.hits.map(\.id) == expected.ids && page.hits.map(\.score) == expected.scores,
                        "\(moment): \(words)")
                let rows = try await Self.bothScores(EvidenceFilter(text: words).terms, in: replica)
                #expect(rows.allSatisfy { $0.fts5 == $0.ours }, "\(moment): \(words)")
            }
        }
        try await searchAgreesWithOracle("before any change")
        let before = try await replica.search("sleep", filter: filter, limit: 1).total

        // Ten more records with the word (short ones, so that they rank first), then one
        // that had it loses it, and one is retracted (its text stays searchable).
        try await replica.apply((402...411).map { fixture.change($0, study("sleep \($0)", year: 2021, conditions: ["ms"], design: .rct)) })
        try await searchAgreesWithOracle("after ten inserts")
        #expect(try await replica.search("sleep", filter: filter, limit: 1).total == before + 10)
        try await replica.apply([fixture.change(1, study("Synthetic study 1 of LDN", year: 2001, conditions: ["ms"], design: .rct),
                                                kind: .update, version: 2)])
        try await replica.apply([fixture.change(2, study("Synthetic study 2 of LDN sleep sleep", year: 2002, conditions: ["crps"],
                                                         design: .rct), kind: .update, version: 2, status: .retracted)])
        try await searchAgreesWithOracle("after an update and a retraction")
    }
}
