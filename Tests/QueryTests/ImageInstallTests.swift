import Foundation
import GRDB
@testable import Replication
import Testing
import WireProtocol
@testable import Query

/// Installing a verified image: the file is moved into place under the replica's open copy,
/// which then serves it; an image the replica must not take leaves the copy as it was.
@Suite("Image install: moved into place, checked first")
struct ImageInstallTests {
    /// A replica holding ReplicaTests' records at seq 5 of store history "store-a", and an
    /// image of it in `folder` under the name a download has.
    func image(in folder: URL) async throws -> (source: ReplicaFixture, path: String) {
        let source = try ReplicaFixture()
        try await source.replica.apply(ReplicaTests.records.enumerated().map { source.change(Int64($0 + 1), $1) })
        try await source.replica.setStoreID("store-a")
        let path = folder.appendingPathComponent("\(ImageSource.filePrefix)download-test.sqlite").path
        let copy = try DatabaseQueue(path: path)
        try source.replica.pool.backup(to: copy)
        try copy.close()
        return (source, path)
    }

    func files(in folder: URL) throws -> Set<String> { Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)) }

    @Test("The image becomes the copy: its records and position are served at once and after a restart, and no image file, -wal or -shm of it is left beside the copy")
    func movedIntoPlace() async throws {
        let target = try ReplicaFixture()
        let (source, path) = try await image(in: target.directory)
        let contents = try target.replica.install(imageAt: path, for: ChangeLog.StoreHead(seq: 9, storeID: "store-a"))
        #expect(contents.seq == 5 && contents.storeID == "store-a")
        #expect(try await target.replica.count() == ReplicaTests.records.count)
        #expect(try await target.replica.position() == 5)
        #expect(try await target.replica.storeID() == "store-a")
        let ms = try await target.query(EvidenceFilter(condition: "ms")).ids
        #expect(ms == [4, 3])
        #expect(try await source.query(EvidenceFilter(condition: "ms")).ids == ms)
        let left = try files(in: target.directory).filter { $0.hasPrefix(ImageSource.filePrefix) }
        #expect(left.isEmpty, "\(left)")
        // The copy is a working database: the follower writes to it, and a restart reads it.
        try await target.replica.setPosition(6)
        let again = try ReplicaDatabase(directory: target.directory)
        #expect(try await again.position() == 6)
        #expect(try await again.count() == ReplicaTests.records.count)
    }

    @Test("An image of another store history, or ahead of the store's head, is refused before anything is touched: the empty copy stays and keeps working")
    func refusedLeavesTheCopy() async throws {
        let target = try ReplicaFixture()
        let (_, path) = try await image(in: target.directory)
        for head in [ChangeLog.StoreHead(seq: 9, storeID: "store-b"), ChangeLog.StoreHead(seq: 4, storeID: "store-a")] {
            #expect(throws: ImageRefused.self) { try target.replica.install(imageAt: path, for: head) }
            #expect(try await target.replica.count() == 0)
            #expect(try await target.replica.position() == 0)
        }
        try await target.replica.apply([target.change(1, ReplicaTests.records[0])])
        #expect(try await target.replica.count() == 1)
        #expect(FileManager.default.fileExists(atPath: path), "the caller removes the refused image")
    }

    @Test("A download left by a crash before the rename is never opened as the replica's database")
    func leftoverDownloadIgnored() async throws {
        let target = try ReplicaFixture()
        let leftover = target.directory.appendingPathComponent("\(ImageSource.filePrefix)download-crashed.sqlite")
        try Data(repeating: 0x5A, count: 10_000).write(to: leftover)
        let again = try ReplicaDatabase(directory: target.directory)
        #expect(try await again.count() == 0)
        #expect(try await again.position() == 0)
    }
}
