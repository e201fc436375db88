import EvidenceModel
import Foundation
import GRDB
import Replication
import ServiceKit
import Testing
import WireProtocol
@testable import Query

@Suite("Query replica: changes it cannot apply are quarantined, and the copy stays as it was")
struct QuarantineTests {
    @Test("An update whose body is not a valid record leaves the record's last good version in every index")
    func badUpdateKeepsTheGoodVersion() async throws {
        let fixture = try ReplicaFixture()
        let good = ReplicaTests.records[0]  // crohns, "Mucosal healing improved."
        try await fixture.replica.apply([fixture.change(1, good)])
        let bad = fixture.change(1, body: Data("this is not JSON".utf8), key: good.dedupKey, kind: .update, version: 2)
        #expect(bad.problem?.hasPrefix("not a valid record: invalid JSON") == true)
        try await fixture.replica.apply([bad])

        #expect(try await fixture.replica.position() == 2, "the position moves past it")
        let hit = try #require(try await fixture.replica.query(EvidenceFilter(), sort: .year, limit: 10, offset: 0).hits.first)
        #expect(hit.seq == 1 && hit.version == 1 && hit.record?.title == good.title)
        #expect(try await fixture.query(EvidenceFilter(condition: "crohns")).ids == [1], "its condition rows are still there")
        #expect(try await fixture.query(EvidenceFilter(text: "mucosal healing")).ids == [1], "and its full text")
        #expect(try await fixture.replica.summary(condition: "crohns", replica: ReplicaState(applied: 2, storeHead: 2, catchingUp: false))
            .studies == 1)
        #expect(try await fixture.replica.quarantinedCount() == 1)
        let last = try #require(try await fixture.replica.lastQuarantined())
        #expect(last.seq == 2 && last.recordID == 1 && last.key == good.dedupKey && last.reason == bad.problem)
        let body = try await fixture.replica.pool.read { db in try Data.fetchOne(db, sql: "SELECT body FROM quarantine WHERE seq = 2") }
        #expect(body == Data("this is not JSON".utf8), "kept as served, for the operator")
    }

    @Test("A change the store marks damaged, a record that fails validation, and an unreadable header are all quarantined")
    func everyKindIsQuarantined() async throws {
        let fixture = try ReplicaFixture()
        let damaged = fixture.change(1, body: Data(), key: "doi:10.1/x", damaged: "stored JSON does not match its hash")
        let invalid = fixture.change(2, body: Data(#"{"title": 5, "year": 2020, "conditions": ["crohns"], "design": "rct"}"#.utf8),
                                     key: "title:x")
        let unreadable = ReadChange.unreadable(seq: 3, problem: "its header does not read: x")
        #expect(damaged.problem == "the store marked it damaged: stored JSON does not match its hash")
        #expect(invalid.problem == "not a valid record: title: expected a string, found a number")
        try await fixture.replica.apply([damaged, invalid, unreadable])
        #expect(try await fixture.replica.position() == 3)
        #expect(try await fixture.replica.count() == 0)
        let rows = try await fixture.replica.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, record_id, key FROM quarantine ORDER BY seq")
                .map { row -> String in "\(row[0] as Int64) \((row[1] as Int64?).map(String.init) ?? "NULL") \((row[2] as String?) ?? "NULL")" }
        }
        #expect(rows == ["1 1 doi:10.1/x", "2 2 title:x", "3 NULL NULL"])
        // Seen again (catching up after a snapshot), a change is quarantined once.
        try await fixture.replica.apply([invalid])
        #expect(try await fixture.replica.quarantinedCount() == 3)
    }

    @Test("A snapshot page with a record that cannot be applied stores the others and quarantines it")
    func snapshotQuarantines() async throws {
        let fixture = try ReplicaFixture()
        let pages = [fixture.change(1, ReplicaTests.records[0]), fixture.change(2, body: Data("[]".utf8), key: "title:y"),
                     fixture.change(3, ReplicaTests.records[2])]
        try await fixture.replica.applySnapshot(pages, first: true)
        try await fixture.replica.setPosition(3)
        #expect(try await fixture.replica.count() == 2)
        #expect(try await fixture.replica.quarantinedCount() == 1)
        #expect(try await fixture.replica.lastQuarantined()?.seq == 2)
    }

    @Test("A participant total beyond any real one is clamped, never a trap")
    func participantTotalsAreClamped() {
        #expect(ReplicaDatabase.participantTotal(153) == 153)
        #expect(ReplicaDatabase.participantTotal(1e19) == 1_000_000_000_000_000)
        #expect(ReplicaDatabase.participantTotal(-1e19) == 0)
        #expect(ReplicaDatabase.participantTotal(.nan) == 0)
    }
}
