import EvidenceModel
import Foundation
import GRDB
import Testing
@testable import EvidenceStorage
import WireProtocol

@Suite("A published change never changes: keys in the change log")
struct ChangeHistoryTests {
    @Test("A re-key is a change of its own, carrying the new key and the previous one; earlier changes keep theirs")
    func reKey() async throws {
        let store = try StoreFixture()
        // A real study (bundled dataset), first reported with its PMID only, then with its DOI too.
        let pmidOnly = try TestRecords.bundled(pmid: "21380937", withoutDOI: true)
        let withDOI = try TestRecords.bundled(pmid: "21380937")
        _ = try await store.commit(TestRecords.write("first", [pmidOnly]))
        let second = try await store.commit(TestRecords.write("second", [withDOI]))
        #expect(try store.results(second[0]).map(\.outcome) == [.updated])

        let log = try await store.database.changes(after: 0, limit: 10).changes.map(\.header)
        #expect(log.map(\.key) == ["pmid:21380937", "doi:10.1007/s10620-011-1653-7"])
        #expect(log.map(\.previousKey) == [nil, "pmid:21380937"])
        #expect(second[0].changes.map(\.header.jsonData) == [log[1].jsonData], "the feed publishes the header the log keeps")

        let found = try #require(try await store.database.record(.pmid("21380937"), history: true))
        #expect(found.history.map(\.header) == log)
        #expect(found.current.header.key == "doi:10.1007/s10620-011-1653-7")
        let retracted = try await store.commit(StoreFixture.retract("r", record: log[0].recordID, reason: "test retraction"))
        #expect(retracted[0].changes.first?.header.key == "doi:10.1007/s10620-011-1653-7")
        #expect(retracted[0].changes.first?.header.previousKey == nil)
    }
}

@Suite("Upgrading a store written by v1")
struct MigrationTests {
    /// A database with only the v1 schema, and the rows a v1 store wrote for: a record stored
    /// with its PMID and then updated with its DOI (re-keyed; a real study of the bundled
    /// dataset), and a SYNTHETIC record inserted and retracted. Returns the directory.
    func version1Store(then alter: (Database) throws -> Void = { _ in }) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-store-v1-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let queue = try DatabaseQueue(path: directory.appendingPathComponent(EvidenceDatabase.fileName).path)
        try Migrations.migrator.migrate(queue, upTo: "v1")
        let (first, second, other) = (try TestRecords.bundled(pmid: "21380937", withoutDOI: true).jsonData,
                                      try TestRecords.bundled(pmid: "21380937").jsonData, TestRecords.record(2).jsonData)
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO records (id, key, doi, pmid, version, status, hash, head_seq) VALUES
                    (1, 'doi:10.1007/s10620-011-1653-7', '10.1007/s10620-011-1653-7', '21380937', 2, 'active', ?, 2),
                    (2, 'doi:10.5555/storage.2', '10.5555/storage.2', NULL, 1, 'retracted', ?, 4);
                INSERT INTO changes (seq, record_id, version, kind, status, body, request_id, reason, committed_at) VALUES
                    (1, 1, 1, 'insert', 'active', ?, 'a', NULL, 0), (2, 1, 2, 'update', 'active', ?, 'b', NULL, 0),
                    (3, 2, 1, 'insert', 'active', ?, 'c', NULL, 0), (4, 2, 1, 'retract', 'retracted', ?, 'd', 'SYNTHETIC', 0);
                """, arguments: [ChangeIntegrity.hash(second), ChangeIntegrity.hash(other), first, second, other, other])
            try alter(db)
        }
        return directory
    }

    @Test("Each old change gets the key it was published with (replayed from the records), and a hash")
    func backfill() async throws {
        let directory = try version1Store()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try EvidenceDatabase(directory: directory)
        let log = try await database.changes(after: 0, limit: 10).changes
        #expect(log.map(\.header.key) == ["pmid:21380937", "doi:10.1007/s10620-011-1653-7",
                                          "doi:10.5555/storage.2", "doi:10.5555/storage.2"])
        #expect(log.map(\.header.previousKey) == [nil, "pmid:21380937", nil, nil])
        #expect(log.allSatisfy { $0.header.damaged == nil && !$0.body.isEmpty })
        #expect(try Scrub.run(directory: directory).problems.isEmpty)
    }

    @Test("A record's current JSON damaged before the upgrade is still found: it is checked against the record's hash")
    func damagedBeforeUpgrade() async throws {
        let directory = try version1Store { db in
            try db.execute(sql: "UPDATE changes SET body = CAST(replace(CAST(body AS TEXT), 'variant', 'varianX') AS BLOB) WHERE seq = 4")
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try EvidenceDatabase(directory: directory)
        let log = try await database.changes(after: 0, limit: 10).changes
        #expect(log.map { $0.header.damaged != nil } == [false, false, false, true])
        #expect(log[3].body.isEmpty)
    }

    @Test("Where the history cannot be replayed, every change of that record keeps the record's current key, as before")
    func backfillFallback() async throws {
        let directory = try version1Store { db in try db.execute(sql: "UPDATE changes SET body = X'7B' WHERE seq = 1") }
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = try await EvidenceDatabase(directory: directory).changes(after: 0, limit: 10).changes
        #expect(log.map(\.header.key).prefix(2) == ["doi:10.1007/s10620-011-1653-7", "doi:10.1007/s10620-011-1653-7"])
        #expect(log.allSatisfy { $0.header.previousKey == nil })
    }
}
