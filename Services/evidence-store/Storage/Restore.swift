import Foundation
import GRDB

/// What `restore` did.
public struct RestoreResult: Sendable {
    public let head: Int64
    public let records: Int
    /// The new id of the restored store's history.
    public let storeID: String
    /// The id of the history the backup was taken from (nil: a backup older than store ids).
    public let backupStoreID: String?
    /// Files of the database that was replaced, kept under these names (with `force`).
    public let setAside: [String]
}

/// Rebuilds a store's data directory from a backup (`ldn-evidence-store restore`).
///
/// Holds the store's directory lock throughout, so it refuses a directory a store is using
/// and no store starts on it halfway. The backup is copied in under a temporary name,
/// upgraded to this release's schema, given a new store id (a restore starts a new history:
/// followers must notice even once its head has grown past their position) and checked as
/// `verify` checks; only then does it become the directory's database.
public enum Restore {
    public static func run(from backup: String, into directory: URL, force: Bool, now: Date = Date()) throws(StorageError) -> RestoreResult {
        guard FileManager.default.fileExists(atPath: backup) else { throw .cannotOpen(path: backup, reason: "no such file") }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .directoryNotWritable(path: directory.path, reason: (error as NSError).localizedDescription)
        }
        let lock = try DirectoryLock(directory: directory)
        defer { withExtendedLifetime(lock) {} }

        let database = directory.appendingPathComponent(EvidenceDatabase.fileName).path
        let existing = [database, database + "-wal", database + "-shm"].filter { FileManager.default.fileExists(atPath: $0) }
        if !existing.isEmpty && !force {
            throw .wouldReplace(path: directory.path, what: describe(database))
        }

        let incoming = directory.appendingPathComponent(".evidence-restore.partial").path
        try? FileManager.default.removeItem(atPath: incoming)
        let result: (head: Int64, records: Int, storeID: String, backupStoreID: String?)
        do {
            result = try prepare(copyOf: backup, at: incoming)
        } catch {
            try? FileManager.default.removeItem(atPath: incoming)
            throw error
        }

        // The old database and its write-ahead log move aside together (a pair that still
        // opens); a stale -wal or -shm left beside the new file would be read as part of it.
        var setAside: [String] = []
        let stamp = Retention.stamp(now)
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: database + suffix) {
            let aside = directory.appendingPathComponent("evidence-replaced-\(stamp).sqlite\(suffix)").path
            try FileSync.rename(database + suffix, to: aside)
            setAside.append(aside)
        }
        try? FileManager.default.removeItem(atPath: database + "-shm")
        try FileSync.rename(incoming, to: database)
        return RestoreResult(head: result.head, records: result.records, storeID: result.storeID,
                             backupStoreID: result.backupStoreID, setAside: setAside)
    }

    /// Copies the backup to `path`, upgrades it, gives it a new store id and checks it.
    private static func prepare(copyOf backup: String, at path: String) throws(StorageError) -> (head: Int64, records: Int, storeID: String, backupStoreID: String?) {
        do {
            try FileManager.default.copyItem(atPath: backup, toPath: path)
        } catch {
            throw .cannotOpen(path: backup, reason: "cannot copy it: \((error as NSError).localizedDescription)")
        }
        let backupStoreID: String?, storeID: String
        do {
            let queue = try DatabaseQueue(path: path)
            let migrator = Migrations.migrator
            if try queue.read({ try migrator.hasBeenSuperseded($0) }) {
                let unknown = try queue.read { try migrator.appliedIdentifiers($0) }.subtracting(migrator.migrations)
                throw StorageError.newerSchema(path: backup, unknown: unknown.sorted())
            }
            backupStoreID = try queue.read { db in try StoreIdentity.read(db) }
            try migrator.migrate(queue)
            storeID = try queue.write { db in try StoreIdentity.renew(db) }
            try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try queue.close()
        } catch let error as StorageError {
            throw error
        } catch {
            throw .cannotOpen(path: backup, reason: EvidenceDatabase.reason(error))
        }
        let report = try Scrub.run(file: path)
        guard report.problems.isEmpty else {
            throw .damaged(path: backup, problem: "it fails the checks of `verify`: \(report.problems.count) problem(s), "
                                                  + "the first: \(report.problems[0]); pick another backup")
        }
        try FileSync.sync(path)
        return (report.head, report.records, storeID, backupStoreID)
    }

    /// The database a restore would replace, in words: its head and records, or why it does not read.
    private static func describe(_ path: String) -> String {
        guard FileManager.default.fileExists(atPath: path) else { return "\(path)-wal / -shm without a database" }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
        do {
            let queue = try EvidenceDatabase.readOnly(path: path)
            let (head, records) = try queue.read { db in
                (try EvidenceDatabase.head(db), try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM records") ?? 0)
            }
            return "\(path) (head seq \(head), \(records) records, \(size) bytes)"
        } catch {
            return "\(path) (\(size) bytes; it does not read: \(error))"
        }
    }
}
