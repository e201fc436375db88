import Foundation
import GRDB
import TestHarness
import Testing
@testable import EvidenceStorage

/// `ldn-evidence-store backup` and `restore`, on real SQLite files in temporary folders.
@Suite("Backup and restore")
struct BackupTests {
    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("A backup taken while writes run holds the store as of one commit, verifies, and is kept only once complete",
          .timeLimit(.minutes(2)))
    func backupDuringWrites() async throws {
        let store = try StoreFixture()
        let folder = try Self.temporaryDirectory("backups")
        defer { try? FileManager.default.removeItem(at: folder) }
        // 60 commits of 20 new records each: a consistent copy ends on a commit, at a multiple of 20.
        let database: EvidenceDatabase = store.database
        let writer = Task {
            for batch in 0..<60 {
                _ = try await database.commit([TestRecords.write("w\(batch)", (0..<20).map { TestRecords.record(batch * 20 + $0) })])
            }
        }
        while try await store.database.head() < 200 { try await Task.sleep(for: .milliseconds(5)) }
        let directory = store.directory
        let copy = try await Task.detached { try Backup.take(from: directory, to: folder) }.value
        try await writer.value

        #expect(copy.head >= 200 && copy.head % 20 == 0, "head \(copy.head)")
        #expect(copy.records == Int(copy.head), "every change is a new record")
        #expect(copy.storeID == store.database.storeID)
        #expect(!FileManager.default.fileExists(atPath: copy.finalPath), "not under its name before keep()")
        let report = try Scrub.run(file: copy.partialPath)
        #expect(report.problems.isEmpty && report.head == copy.head && report.records == copy.records, "\(report.problems)")
        try copy.keep()
        #expect(FileManager.default.fileExists(atPath: copy.finalPath) && !FileManager.default.fileExists(atPath: copy.partialPath))
        #expect(copy.finalPath.hasSuffix("-seq\(copy.head).sqlite"))
        #expect(!FileManager.default.fileExists(atPath: copy.finalPath + "-wal"), "one file at rest")
    }

    @Test("Restore refuses a directory a store holds, and one with a database unless forced; it gives the store a new id")
    func restoreRefusesAndRenews() async throws {
        let store = try StoreFixture()
        _ = try await store.commit(TestRecords.write("w", (1...5).map { TestRecords.record($0) }))
        let folder = try Self.temporaryDirectory("restore")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("copy.sqlite")
        let copy = try Backup.take(from: store.directory, to: file)
        try copy.keep()

        let live = #expect(throws: StorageError.self) { try Restore.run(from: file.path, into: store.directory, force: true) }
        #expect(live?.description.contains("in use by another evidence-store") == true)

        let target = folder.appendingPathComponent("data")
        let restored = try Restore.run(from: file.path, into: target, force: false)
        #expect(restored.head == 5 && restored.records == 5 && restored.setAside.isEmpty)
        #expect(restored.backupStoreID == store.database.storeID && restored.storeID != store.database.storeID)
        let reopened = try EvidenceDatabase(directory: target)
        #expect(reopened.storeID == restored.storeID)
        #expect(try await reopened.counts().records == 5)
        _ = try await reopened.commit([TestRecords.write("after", [TestRecords.record(6)])])

        let inUse = #expect(throws: StorageError.self) { try Restore.run(from: file.path, into: target, force: true) }
        #expect(inUse?.description.contains("in use") == true)
        withExtendedLifetime(reopened) {}
    }

    @Test("Restore over a database needs --force, names what it replaces, and keeps it beside")
    func restoreOverADatabase() async throws {
        let folder = try Self.temporaryDirectory("restore-force")
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("data")
        let file = folder.appendingPathComponent("copy.sqlite")
        do {
            let store = try EvidenceDatabase(directory: target)
            _ = try await store.commit([TestRecords.write("w", (1...3).map { TestRecords.record($0) })])
            try Backup.take(from: target, to: file).keep()
            _ = try await store.commit([TestRecords.write("w2", [TestRecords.record(4)])])
        }
        // The database closes, and lets go of its directory lock, once its writer has let go of
        // it too: a moment after the last commit returned, longer on a loaded machine.
        try await eventually("the store's directory lock is released", timeout: .seconds(20)) {
            (try? DirectoryLock(directory: target)) != nil
        }
        let refused = #expect(throws: StorageError.self) { try Restore.run(from: file.path, into: target, force: false) }
        #expect(refused?.description.contains("head seq 4, 4 records") == true, "\(String(describing: refused))")
        let restored = try Restore.run(from: file.path, into: target, force: true)
        #expect(restored.head == 3 && restored.setAside.count >= 1)
        #expect(restored.setAside.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        let reopened = try EvidenceDatabase(directory: target)
        #expect(try await reopened.head() == 3 && reopened.storeID == restored.storeID)
    }

    @Test("Retention keeps the newest N backups and never touches other files")
    func retention() throws {
        let folder = try Self.temporaryDirectory("retention")
        defer { try? FileManager.default.removeItem(at: folder) }
        let names = ["evidence-20261128T190000Z-seq10.sqlite", "evidence-20261129T190000Z-seq20.sqlite",
                     "evidence-20261130T190000Z-seq30.sqlite", "evidence-20261130T190000Z-seq30.sqlite.damaged", "notes.txt"]
        for name in names { _ = FileManager.default.createFile(atPath: folder.appendingPathComponent(name).path, contents: Data()) }
        let removed = try Retention.prune(folder, keep: 2)
        #expect(removed.map { URL(fileURLWithPath: $0).lastPathComponent } == ["evidence-20261128T190000Z-seq10.sqlite"])
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(left == Array(names.dropFirst()).sorted())
        #expect(Retention.fileName(at: Date(timeIntervalSince1970: 1_796_065_200), head: 1234) == "evidence-20261130T190000Z-seq1234.sqlite")
    }

    @Test("A database from before store ids gets one when the store upgrades it")
    func upgradeGivesAnID() throws {
        let directory = try Self.temporaryDirectory("store-v4")
        defer { try? FileManager.default.removeItem(at: directory) }
        try Migrations.migrator.migrate(try DatabaseQueue(path: directory.appendingPathComponent(EvidenceDatabase.fileName).path),
                                        upTo: "v4-change-hashes")
        let database = try EvidenceDatabase(directory: directory)
        #expect(database.storeID.count == 32)
    }
}
