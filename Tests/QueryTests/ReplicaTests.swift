import EvidenceModel
import Foundation
import Replication
import ServiceKit
import Testing
import WireProtocol
@testable import Query

/// A replica database in a temporary folder, fed changes as the follower would feed them.
final class ReplicaFixture {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-replica-\(UUID().uuidString)")
    let replica: ReplicaDatabase
    var seq: Int64 = 0

    init() throws { replica = try ReplicaDatabase(directory: directory) }
    deinit { try? FileManager.default.removeItem(at: directory) }

    func change(_ id: Int64, _ record: EvidenceRecord, kind: ChangeKind = .insert, version: Int = 1,
                status: RecordStatus = .active) -> ReadChange {
        change(id, body: record.jsonData, key: record.dedupKey, kind: kind, version: version, status: status)
    }

    /// The next change, with any body (valid or not) and header fields.
    func change(_ id: Int64, body: Data, key: String, kind: ChangeKind = .insert, version: Int = 1,
                status: RecordStatus = .active, damaged: String? = nil) -> ReadChange {
        seq += 1
        return ReadChange(FeedChange(header: ChangeHeader(seq: seq, kind: kind, recordID: id, key: key, version: version,
                                                          status: status, committedAt: Date(), damaged: damaged), body: body))
    }

    func query(_ filter: EvidenceFilter, sort: QuerySort = .year, limit: Int = 50, offset: Int = 0) async throws -> (total: Int, ids: [Int64]) {
        let page = try await replica.query(try filter.resolved(), sort: sort, limit: limit, offset: offset)
        return (page.total, page.hits.map(\.id))
    }
}

func study(_ title: String, year: Int, conditions: [String], design: StudyDesign, participants: Int? = nil,
           outcomes: [Outcome] = [], summary: String? = nil, doi: String? = nil, certainty: Certainty? = nil,
           dose: Double? = nil) -> EvidenceRecord {
    RecordIntake.evaluate(EvidenceRecord(title: title, year: year, conditions: conditions, design: design,
                                         identifiers: Identifiers(doi: doi), participants: participants, doseMg: dose,
                                         outcomes: outcomes, certainty: certainty, summary: summary).json).record!
}

@Suite("Query replica: applying changes, filters, search, summaries")
struct ReplicaTests {
    /// Synthetic records with known properties (not real studies).
    static let records: [EvidenceRecord] = [
        study("Synthetic trial A of LDN in Crohn's disease", year: 2011, conditions: ["crohns"], design: .rct, participants: 40,
              outcomes: [Outcome(measure: "disease-activity", direction: .improved)], summary: "Mucosal healing improved.", dose: 4.5),
        study("Synthetic pilot B of LDN in Crohn's disease", year: 2007, conditions: ["crohns"], design: .openLabel, participants: 17,
              outcomes: [Outcome(measure: "remission", direction: .improved)], dose: 4.5),
        study("Synthetic crossover C of LDN in multiple sclerosis", year: 2010, conditions: ["ms"], design: .crossoverRCT,
              participants: 80, outcomes: [Outcome(measure: "mental-health", direction: .improved),
                                          Outcome(measure: "spasticity", direction: .noDifference)],
              summary: "Spasticity unchanged; mental health quality of life improved."),
        study("Synthetic cohort D of LDN in multiple sclerosis and fibromyalgia", year: 2016, conditions: ["ms", "fibromyalgia"],
              design: .cohort, participants: 54, outcomes: [Outcome(measure: "pain", direction: .worsened)], dose: 3),
        study("Synthetic RCT E of LDN in fibromyalgia", year: 2024, conditions: ["fibromyalgia"], design: .rct, participants: 99,
              outcomes: [Outcome(measure: "pain", direction: .noDifference)], dose: 6),
    ]

    func loaded() async throws -> ReplicaFixture {
        let fixture = try ReplicaFixture()
        try await fixture.replica.apply(Self.records.enumerated().map { fixture.change(Int64($0 + 1), $1) })
        return fixture
    }

    @Test("Applying changes moves the position; a change older than the one held is ignored")
    func applyIsOrderedAndIdempotent() async throws {
        let fixture = try await loaded()
        #expect(try await fixture.replica.position() == 5)
        var updated = Self.records[0]
        updated.participants = 41
        let newer = fixture.change(1, updated, kind: .update, version: 2)
        try await fixture.replica.apply([newer])
        let stale = ReadChange(FeedChange(header: ChangeHeader(seq: 1, kind: .insert, recordID: 1, key: "x", version: 1,
                                                               status: .active, committedAt: Date()), body: Self.records[0].jsonData))
        try await fixture.replica.apply([stale])
        let hit = try #require(try await fixture.replica.query(EvidenceFilter(), sort: .year, limit: 10, offset: 0)
            .hits.first { $0.id == 1 })
        #expect(hit.version == 2 && hit.record?.participants == 41)
    }

    @Test("Filters: condition by any name, design, certainty, years, outcome, direction, size")
    func filters() async throws {
        let fixture = try await loaded()
        #expect(try await fixture.query(EvidenceFilter(condition: "Crohn disease")).ids == [1, 2])
        #expect(try await fixture.query(EvidenceFilter(condition: "MS")).ids == [4, 3])
        #expect(try await fixture.query(EvidenceFilter(design: [.rct])).ids == [5, 1])
        #expect(try await fixture.query(EvidenceFilter(condition: "fibromyalgia", design: [.rct, .cohort])).ids == [5, 4])
        #expect(try await fixture.query(EvidenceFilter(minCertainty: .moderate)).ids.count
                == Self.records.filter { $0.certainty >= .moderate }.count)
        #expect(try await fixture.query(EvidenceFilter(yearFrom: 2010, yearTo: 2016)).ids == [4, 1, 3])
        #expect(try await fixture.query(EvidenceFilter(outcome: "pain intensity")).ids == [5, 4])
        #expect(try await fixture.query(EvidenceFilter(outcome: "pain", direction: .worsened)).ids == [4])
        #expect(try await fixture.query(EvidenceFilter(direction: .noDifference)).ids == [5, 3])
        #expect(try await fixture.query(EvidenceFilter(minParticipants: 80)).ids == [5, 3])
        #expect(try await fixture.query(EvidenceFilter(text: "mucosal healing")).ids == [1])
    }

    @Test("An unknown condition is an error with suggestions")
    func unknownCondition() {
        let error = #expect(throws: ErrorBody.self) { try EvidenceFilter(condition: "fibromialgia").resolved() }
        #expect(error?.code == .notFound)
        #expect(error?.message == "unknown condition \"fibromialgia\"; did you mean fibromyalgia?")
    }

    @Test("Sorting and paging are stable")
    func sortAndPage() async throws {
        let fixture = try await loaded()
        #expect(try await fixture.query(EvidenceFilter(), sort: .participants).ids == [5, 3, 4, 1, 2])
        let first = try await fixture.query(EvidenceFilter(), sort: .year, limit: 2, offset: 0)
        let second = try await fixture.query(EvidenceFilter(), sort: .year, limit: 2, offset: 2)
        let third = try await fixture.query(EvidenceFilter(), sort: .year, limit: 2, offset: 4)
        #expect(first.total == 5 && first.ids + second.ids + third.ids == [5, 4, 1, 3, 2])
    }

    @Test("A retracted record leaves answers unless retracted ones are asked for")
    func retraction() async throws {
        let fixture = try await loaded()
        try await fixture.replica.apply([fixture.change(5, Self.records[4], kind: .retract, status: .retracted)])
        #expect(try await fixture.query(EvidenceFilter(condition: "fibromyalgia")).ids == [4])
        #expect(try await fixture.query(EvidenceFilter(condition: "fibromyalgia", includeRetracted: true)).ids == [5, 4])
    }

    @Test("Full-text search ranks by relevance and marks the matched words")
    func search() async throws {
        let fixture = try await loaded()
        let page = try await fixture.replica.search("spasticity", filter: EvidenceFilter(), limit: 10)
        #expect(page.total == 1 && page.hits.first?.id == 3)
        #expect(page.hits.first?.snippet?.contains("**Spasticity**") == true || page.hits.first?.snippet?.contains("**spasticity**") == true)
        let both = try await fixture.replica.search("LDN multiple sclerosis", filter: EvidenceFilter(condition: "fibromyalgia"), limit: 10)
        #expect(both.hits.map(\.id) == [4])
        let none = try await fixture.replica.search("\"; DROP TABLE records; --", filter: EvidenceFilter(), limit: 10)
        #expect(none.total == 0, "user text is never FTS or SQL syntax")
    }

    @Test("A summary counts studies, participants, designs, certainty, outcomes and doses")
    func summary() async throws {
        let fixture = try await loaded()
        let state = ReplicaState(applied: 5, storeHead: 5, catchingUp: false)
        let fibro = try await fixture.replica.summary(condition: "fibromyalgia", replica: state)
        #expect(fibro.studies == 2 && fibro.participants == 153)
        #expect(Set(fibro.byDesign) == [.init(design: .rct, studies: 1, participants: 99),
                                        .init(design: .cohort, studies: 1, participants: 54)])
        #expect(fibro.outcomes == [.init(measure: "pain", improved: 0, noDifference: 1, worsened: 1, mixed: 0)])
        #expect(fibro.doseMinMg == 3 && fibro.doseMaxMg == 6)
        #expect(fibro.strongest.first?.id == 5, "the RCT (higher certainty) comes first")
        #expect(fibro.latest?.id == 5)
        let empty = try await fixture.replica.summary(condition: "long-covid", replica: state)
        #expect(empty.studies == 0 && empty.strongest.isEmpty)
    }

    @Test("The position survives reopening: a restarted replica resumes")
    func reopen() async throws {
        let fixture = try await loaded()
        let again = try ReplicaDatabase(directory: fixture.directory)
        #expect(try await again.position() == 5)
        #expect(try await again.count() == 5)
    }
}
