import EvidenceModel
import Foundation
import GRDB
import Replication
import Testing
import WireProtocol
@testable import Query

/// Filtered queries against the statements they replaced, run as the oracle on the same real
/// database: `COUNT(*)` over every passing row for the total, `ORDER BY … LIMIT … OFFSET` over
/// every passing row for the page.
@Suite("Filtered query: the same totals and pages as counting and sorting every passing row")
struct FilteredQueryTests {
    static let conditions = ["crohns", "ms", "fibromyalgia"]
    static let designs: [StudyDesign] = [.rct, .cohort, .openLabel, .systematicReview]

    /// Synthetic record `n` (not a real study), `variant` moving it to another design, year,
    /// certainty and conditions. Years repeat, so the page order's ties fall to the id.
    static func record(_ n: Int, variant: Int = 0) -> EvidenceRecord {
        let m = n + variant
        let conditions = m % 5 == 0 ? [Self.conditions[m % 3], Self.conditions[(m + 1) % 3]] : [Self.conditions[m % 3]]
        return study("Synthetic study \(n) of LDN", year: 2000 + m % 12, conditions: conditions, design: designs[m % 4],
                     participants: m % 7 == 0 ? nil : 10 + m * 13 % 300,
                     outcomes: [Outcome(measure: m % 4 == 0 ? "mood" : "pain", direction: .improved)],
                     certainty: m % 6 == 0 ? nil : Certainty.allCases[m % 4])
    }

    static func status(_ n: Int) -> RecordStatus { n % 11 == 0 ? .retracted : n % 13 == 0 ? .needsReview : .active }

    /// 500 records, then new versions of a fifth of them (other design, year, certainty,
    /// conditions and status) and of some with their status only: rows leave runs and counts.
    static func fixture() async throws -> ReplicaFixture {
        let fixture = try ReplicaFixture()
        try await fixture.replica.apply((1...500).map { fixture.change(Int64($0), record($0), status: status($0)) })
        try await fixture.replica.apply(stride(from: 3, through: 500, by: 5).map {
            fixture.change(Int64($0), record($0, variant: 1), kind: .update, version: 2, status: status($0 + 1))
        })
        try await fixture.replica.apply(stride(from: 4, through: 500, by: 9).map {
            fixture.change(Int64($0), record($0), kind: .update, version: 3, status: .retracted)
        })
        return fixture
    }

    /// The statements `query` used before: every passing row counted, and sorted for the page.
    static func oracle(_ filter: EvidenceFilter, sort: QuerySort, limit: Int, offset: Int,
                       in replica: ReplicaDatabase) async throws -> (total: Int, ids: [Int64]) {
        let sql = FilterSQL(filter)
        return try await replica.pool.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(sql.from) \(sql.whereClause)", arguments: sql.arguments) ?? 0
            let ids = try Int64.fetchAll(db, sql: """
                SELECT \(sql.id) FROM \(sql.from) \(sql.whereClause) ORDER BY \(sql.orderBy(sort)) LIMIT ? OFFSET ?
                """, arguments: sql.arguments + [limit, offset])
            return (total, ids)
        }
    }

    static let filters: [(String, EvidenceFilter)] = [
        ("a condition", EvidenceFilter(condition: "crohns")),
        ("condition, design and certainty (the benchmark's)", EvidenceFilter(condition: "ms", design: [.rct], minCertainty: .moderate)),
        ("two designs, years", EvidenceFilter(condition: "fibromyalgia", design: [.rct, .cohort], yearFrom: 2003, yearTo: 2008)),
        ("every status", EvidenceFilter(condition: "crohns", includeRetracted: true, includeNeedsReview: true)),
        ("retracted too, high certainty", EvidenceFilter(condition: "ms", minCertainty: .high, includeRetracted: true)),
        ("participants (not countable)", EvidenceFilter(condition: "crohns", minParticipants: 150)),
        ("an outcome (a subquery)", EvidenceFilter(condition: "ms", outcome: "mood")),
        ("words (a subquery)", EvidenceFilter(condition: "crohns", text: "synthetic")),
        ("an identifier", EvidenceFilter(condition: "crohns", doi: "10.5555/absent")),
        ("nothing passes", EvidenceFilter(condition: "crps")),
        ("no condition", EvidenceFilter(design: [.cohort], minCertainty: .low)),
    ]

    @Test("Totals and pages equal the oracle's for every filter, sort, page size and offset")
    func matchesOracle() async throws {
        let fixture = try await Self.fixture()
        for (name, filter) in Self.filters {
            let resolved = try filter.resolved()
            for sort in QuerySort.allCases {
                for (limit, offset) in [(1, 0), (20, 0), (20, 40), (7, 3), (500, 0), (10, 10_000), (3, Int.max)] {
                    let answer = try await fixture.replica.query(resolved, sort: sort, limit: limit, offset: offset)
                    let expected = try await Self.oracle(resolved, sort: sort, limit: limit, offset: offset, in: fixture.replica)
                    #expect(answer.total == expected.total, "\(name), \(sort), \(limit)+\(offset)")
                    #expect(answer.hits.map(\.id) == expected.ids, "\(name), \(sort), \(limit)+\(offset)")
                }
            }
        }
    }

    @Test("The counts equal the rows they count after inserts, updates and a resynchronisation")
    func countsStayExact() async throws {
        let fixture = try await Self.fixture()
        #expect(try await Self.countsDisagree(fixture.replica) == 0)
        #expect(try await fixture.replica.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM condition_counts WHERE n > 0") } ?? 0 > 20)

        try await fixture.replica.resynchronise(storeID: "another", head: 0)
        #expect(try await fixture.replica.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM condition_counts") } == 0)
        try await fixture.replica.applySnapshot((1...50).map { fixture.change(Int64($0), Self.record($0)) }, first: true)
        try await fixture.replica.setPosition(fixture.seq)
        #expect(try await Self.countsDisagree(fixture.replica) == 0)
        let total = try await fixture.replica.query(try EvidenceFilter(condition: "ms").resolved(), sort: .year, limit: 5, offset: 0).total
        #expect(total == (1...50).filter { Self.record($0).conditions.contains("ms") }.count)
    }

    @Test("A replica written before the counts existed gets them from its rows when it opens")
    func migrationCounts() async throws {
        let fixture = try await Self.fixture()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-replica-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(ReplicaDatabase.fileName).path
        do {
            let old = try DatabaseQueue(path: path)
            try ReplicaMigrations.migrator.migrate(old, upTo: "v5: store id")
            let source = fixture.replica.path
            try await old.writeWithoutTransaction { db in
                try db.execute(sql: "ATTACH DATABASE ? AS fixture", arguments: [source])
                try db.execute(sql: "INSERT INTO record_conditions SELECT * FROM fixture.record_conditions")
                try db.execute(sql: "DETACH DATABASE fixture")
            }
            try old.close()
        }
        let migrated = try ReplicaDatabase(directory: directory)
        #expect(try await Self.countsDisagree(migrated) == 0)
        let rows = try await migrated.pool.read { try Int.fetchOne($0, sql: "SELECT SUM(n) FROM condition_counts") }
        #expect(rows ?? 0 > 500)
    }

    /// Groups whose kept count differs from the rows of `record_conditions` they count.
    static func countsDisagree(_ replica: ReplicaDatabase) async throws -> Int {
        try await replica.pool.read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM (
                    SELECT code, status, design, certainty, year, n FROM condition_counts WHERE n != 0
                    EXCEPT SELECT code, status, design, certainty, year, COUNT(*) FROM record_conditions
                    GROUP BY code, status, design, certainty, year
                    UNION ALL
                    SELECT * FROM (SELECT code, status, design, certainty, year, COUNT(*) FROM record_conditions
                        GROUP BY code, status, design, certainty, year
                        EXCEPT SELECT code, status, design, certainty, year, n FROM condition_counts))
                """) ?? -1
        }
    }
}
