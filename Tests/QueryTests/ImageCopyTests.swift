import Foundation
import GRDB
import Synchronization
import Testing
@testable import Query

/// `ImageCopy` on real WAL databases: a copy is one committed state, whatever the writer does
/// meanwhile, and the copy gives up (for the backup API) when the file cannot be had alone.
@Suite("Image copy: the database file as one consistent state")
struct ImageCopyTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-image-copy-\(UUID().uuidString)")

    /// A WAL database whose `position` row says how many `items` rows each commit has left.
    func database() throws -> (pool: DatabasePool, path: String) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("source.sqlite").path
        let pool = try DatabasePool(path: path)
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE items (id INTEGER PRIMARY KEY, payload BLOB NOT NULL);
                CREATE TABLE position (n INTEGER NOT NULL); INSERT INTO position VALUES (0);
                """)
        }
        return (pool, path)
    }

    /// Commits `rows` rows and the new count in one transaction.
    static func commit(_ rows: Int, to pool: DatabasePool) throws {
        try pool.write { db in
            for _ in 0..<rows {
                try db.execute(sql: "INSERT INTO items (payload) VALUES (randomblob(3000))")
            }
            try db.execute(sql: "UPDATE position SET n = (SELECT COUNT(*) FROM items)")
        }
    }

    /// The copy's integrity, its count of rows and the count it says it has.
    static func check(_ path: String) throws -> (integrity: String, rows: Int, position: Int) {
        var configuration = Configuration()
        configuration.readonly = true
        let copy = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? copy.close() }
        return try copy.read { db in
            (try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "",
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM items") ?? -1,
             try Int.fetchOne(db, sql: "SELECT n FROM position") ?? -1)
        }
    }

    @Test("Copies taken while a writer commits every moment are each one committed state, the one they read")
    func consistentUnderWrites() async throws {
        let (pool, path) = try database()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.commit(2000, to: pool)  // about 6 MB, so that a copy takes a while
        let writing = Atomic(true)
        let writer = Thread {
            while writing.load(ordering: .relaxed) {
                try? Self.commit(20, to: pool)
                usleep(2000)  // as a follower applies batches, not one unbroken write
            }
        }
        writer.start()
        defer { writing.store(false, ordering: .relaxed) }

        var positions: [Int] = []
        for attempt in 0..<10 {
            let destination = directory.appendingPathComponent("copy-\(attempt).sqlite").path
            guard let seen = try ImageCopy.copy(path, to: destination, attempts: 5,
                                                reading: { try Int.fetchOne($0, sql: "SELECT n FROM position") ?? -1 })
            else { continue }
            positions.append(seen)
            let copy = try Self.check(destination)
            #expect(copy.integrity == "ok", "copy \(attempt)")
            #expect(copy.rows == copy.position && copy.position == seen, "copy \(attempt): \(copy), read \(seen)")
            for suffix in ["", "-wal", "-shm"] { unlink(destination + suffix) }
        }
        #expect(Set(positions).count >= 3, "copies of at least three states while the writer wrote: \(positions)")
        writing.store(false, ordering: .relaxed)
        let quiet = directory.appendingPathComponent("quiet.sqlite").path
        try await Task.sleep(for: .milliseconds(100))  // the writer's last commit
        let count = try await pool.read { try Int.fetchOne($0, sql: "SELECT n FROM position") ?? -1 }
        #expect(try ImageCopy.copy(path, to: quiet, attempts: 1, reading: { _ in true }) == true, "a quiet database is copied at once")
        #expect(try Self.check(quiet) == ("ok", count, count))
    }

    @Test("A reader holding an older state keeps the WAL: the copy gives up, for the backup API")
    func givesUpWhileAnOldReaderHoldsTheWAL() throws {
        let (pool, path) = try database()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.commit(10, to: pool)
        let reader = try DatabaseQueue(path: path)
        defer { try? reader.close() }
        try reader.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN DEFERRED")
            _ = try Int.fetchOne(db, sql: "SELECT n FROM position")
            try Self.commit(10, to: pool)  // newer frames the held state does not see
            let started = ContinuousClock.now
            let destination = directory.appendingPathComponent("copy.sqlite").path
            #expect(try ImageCopy.copy(path, to: destination, attempts: 1, reading: { _ in true }) == nil)
            #expect(ContinuousClock.now - started < .seconds(5), "it waits about its 1 s busy timeout, not longer")
            #expect(!FileManager.default.fileExists(atPath: destination), "nothing is written when it gives up")
            try db.execute(sql: "ROLLBACK")
        }
    }
}
