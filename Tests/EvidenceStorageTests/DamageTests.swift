import EvidenceModel
import Foundation
import GRDB
import Testing
@testable import EvidenceStorage
import WireProtocol

@Suite("Damaged record JSON is found on every read, and by the scrub")
struct DamageTests {
    /// Changes one byte inside a stored change's JSON, as disk damage would: SQLite's own
    /// integrity check does not notice.
    static func flipByte(seq: Int64, in database: EvidenceDatabase) async throws {
        try await database.pool.write { db in
            var body = try #require(try Data.fetchOne(db, sql: "SELECT body FROM changes WHERE seq = ?", arguments: [seq]))
            body[body.startIndex + 20] ^= 0x01
            try db.execute(sql: "UPDATE changes SET body = ? WHERE seq = ?", arguments: [body, seq])
        }
    }

    func storeWithThreeChanges() async throws -> StoreFixture {
        let store = try StoreFixture()
        _ = try await store.commit(TestRecords.write("w", [TestRecords.record(1), TestRecords.record(2)]))
        _ = try await store.commit(TestRecords.write("u", [TestRecords.record(2, variant: 1)]))
        return store
    }

    @Test("changes, snapshot and get mark a damaged change and serve it without its JSON; retract refuses to build on it")
    func reads() async throws {
        let store = try await storeWithThreeChanges()
        try await Self.flipByte(seq: 1, in: store.database)

        let log = try await store.database.changes(after: 0, limit: 10).changes
        #expect(log.map(\.header.damaged) == [ChangeIntegrity.hashMismatch, nil, nil])
        #expect(log[0].body.isEmpty && !log[1].body.isEmpty)
        let snapshot = try await store.database.snapshot(afterID: 0, limit: 10).records
        #expect(snapshot.map { $0.header.damaged != nil } == [true, false])
        let found = try #require(try await store.database.record(.id(1), history: true))
        #expect(found.current.header.damaged != nil && found.current.body.isEmpty)

        let retract = try await store.commit(StoreFixture.retract("r", record: 1, reason: "SYNTHETIC"))
        guard case .failure(let error) = retract[0].reply else { Issue.record("retracting damaged JSON must fail"); return }
        #expect(error.code == .internal && error.message.contains("record 1 (doi:10.5555/storage.1) is damaged"))
        #expect(error.message.contains("ldn-evidence-store verify"))
    }

    @Test("The scrub finds no problem in a sound store, also while it is open")
    func scrubClean() async throws {
        let store = try await storeWithThreeChanges()
        let report = try Scrub.run(directory: store.directory)
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.changes == 3 && report.records == 2 && report.head == 3)
        #expect(report.summary.hasSuffix("3 changes (head seq 3), 2 records checked; no damage found"))
    }

    @Test("The scrub reports a changed byte, JSON that is no record, and a record whose current change is gone")
    func scrubFindsDamage() async throws {
        let store = try await storeWithThreeChanges()
        try await Self.flipByte(seq: 1, in: store.database)
        try await store.database.pool.write { db in
            let notARecord = Data(#"{"SYNTHETIC":"not a record"}"#.utf8)
            try db.execute(sql: "UPDATE changes SET body = ?, body_hash = ? WHERE seq = 2",
                           arguments: [notARecord, ChangeIntegrity.hash(notARecord)])
            try db.execute(sql: "DELETE FROM changes WHERE seq = 3")
        }
        let report = try Scrub.run(directory: store.directory)
        let lines = report.problems.map(\.description)
        #expect(lines.count == 3, "\(lines)")
        #expect(lines.contains("seq=1 record=1: \(ChangeIntegrity.hashMismatch)"))
        #expect(lines.contains { $0.hasPrefix("seq=2 record=2: the stored JSON does not read as a valid record") })
        #expect(lines.contains("seq=3 record=2: the record's current change (seq 3) is not in the log"))
        #expect(report.summary.contains("3 problems found"))
    }

    @Test("A gap inside the log is reported with the missing sequence numbers")
    func scrubFindsGap() async throws {
        let store = try StoreFixture()
        _ = try await store.commit(TestRecords.write("w", (1...4).map { TestRecords.record($0) }))
        try await store.database.pool.write { db in
            try db.execute(sql: "UPDATE records SET head_seq = 4 WHERE id IN (2, 3)")
            try db.execute(sql: "DELETE FROM changes WHERE seq IN (2, 3)")
        }
        let lines = try Scrub.run(directory: store.directory).problems.map(\.description)
        #expect(lines.contains("the change log has a gap: seq 2 to 3 are missing"), "\(lines)")
    }

    @Test("The scrub cannot run on a missing database, nor on one this release has not upgraded")
    func scrubCannotRun() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-none-\(UUID().uuidString)")
        #expect(throws: StorageError.self) { try Scrub.run(directory: missing) }

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-store-v1-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Migrations.migrator.migrate(try DatabaseQueue(path: directory.appendingPathComponent(EvidenceDatabase.fileName).path),
                                        upTo: "v1")
        let error = #expect(throws: StorageError.self) { try Scrub.run(directory: directory) }
        #expect(error?.description.contains("start the store once to upgrade it") == true, "\(String(describing: error))")
    }
}
