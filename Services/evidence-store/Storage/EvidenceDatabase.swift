import Foundation
import GRDB
import WireProtocol

/// The store's database: one SQLite file in WAL mode with `synchronous = FULL`, so a
/// committed transaction survives power loss. One writer (this process, enforced by a
/// lock); reads run concurrently on the pool's readers.
public final class EvidenceDatabase: Sendable {
    public static let fileName = "evidence.sqlite"

    let pool: DatabasePool
    public let path: String
    /// The id of this store's history (`StoreIdentity`), on every answer followers rely on.
    public let storeID: String
    private let lock: DirectoryLock

    /// Opens (or creates) the database in `directory`, refusing loudly rather than starting
    /// empty: an unwritable or locked directory, a damaged file and a newer schema all throw.
    public init(directory: URL) throws(StorageError) {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .directoryNotWritable(path: directory.path, reason: (error as NSError).localizedDescription)
        }
        guard access(directory.path, W_OK) == 0 else {
            throw .directoryNotWritable(path: directory.path, reason: String(cString: strerror(errno)))
        }
        lock = try DirectoryLock(directory: directory)
        path = directory.appendingPathComponent(Self.fileName).path

        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        configuration.busyMode = .timeout(5)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw .cannotOpen(path: path, reason: Self.reason(error))
        }
        storeID = try Self.check(pool, path: path)
    }

    /// Checks, migrates, and returns the store's id.
    private static func check(_ pool: DatabasePool, path: String) throws(StorageError) -> String {
        do {
            let problem = try pool.read { db in try String.fetchOne(db, sql: "PRAGMA quick_check(1)") }
            guard problem == "ok" else { throw StorageError.damaged(path: path, problem: problem ?? "no answer") }
            let migrator = Migrations.migrator
            if try pool.read({ db in try migrator.hasBeenSuperseded(db) }) {
                let unknown = try pool.read { db in try migrator.appliedIdentifiers(db) }.subtracting(migrator.migrations)
                throw StorageError.newerSchema(path: path, unknown: unknown.sorted())
            }
            try migrator.migrate(pool)
            // The readers that ran the checks above hold the schema from before the migration:
            // a `SELECT *` prepared on one of them lists the old columns, and a row read by
            // name misses the new ones (GRDB issues 1453, 1500). Reads start on fresh connections.
            pool.invalidateReadOnlyConnections()
            guard let id = try pool.read({ db in try StoreIdentity.read(db) }) else { throw StorageError.damaged(path: path, problem: "it has no store id") }
            return id
        } catch let error as StorageError {
            throw error
        } catch {
            throw .damaged(path: path, problem: reason(error))
        }
    }

    /// A read-only connection to a store's database, beside a running store too (WAL), for
    /// `verify` and `backup`, which never write to it.
    static func readOnly(path: String) throws(StorageError) -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        do {
            return try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw .cannotOpen(path: path, reason: reason(error))
        }
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }

    /// Bytes on disk: the database file and its write-ahead log.
    public var sizeOnDisk: Int64 {
        [path, path + "-wal"].reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int64) ?? 0)
        }
    }

    /// Forgets replies to requests older than `age`, bounding the idempotency table.
    public func pruneRequests(olderThan age: Duration) async throws -> Int {
        let cutoff = Int64(Date().timeIntervalSince1970 * 1000) - Int64(age.components.seconds) * 1000
        return try await pool.write { db in
            try db.execute(sql: "DELETE FROM requests WHERE created_at < ?", arguments: [cutoff])
            return db.changesCount
        }
    }
}
