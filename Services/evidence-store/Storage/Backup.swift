import Foundation
import GRDB

/// A consistent copy of a store's database, taken with SQLite's online backup API beside a
/// running store (`ldn-evidence-store backup`). The copy is written under a temporary name
/// and only renamed to its final name by `keep()`, after it was synced (and, if asked,
/// verified): a crash or a full disk never leaves a half-written file under a backup's name.
public struct BackupCopy: Sendable {
    /// Where the copy is until `keep()` or `setAside()`.
    public let partialPath: String
    /// The name it is kept under.
    public let finalPath: String
    /// The last sequence number the copy holds: a restore from it loses the changes after it.
    public let head: Int64
    public let records: Int
    public let bytes: Int64
    /// The id of the history it was copied from; nil from a database older than store ids.
    public let storeID: String?

    /// Renames the copy to its final name and syncs the directory: the backup exists from here on.
    public func keep() throws(StorageError) {
        try FileSync.rename(partialPath, to: finalPath)
    }

    /// Keeps a copy that failed its check under its final name plus `suffix`, out of the
    /// retention's reach, for the operator to look at.
    public func setAside(suffix: String) throws(StorageError) {
        try FileSync.rename(partialPath, to: finalPath + suffix)
    }
}

public enum Backup {
    /// Takes a copy of the database in the store's `directory`. `destination`: a file, or an
    /// existing directory in which the copy is named by time and head
    /// (`evidence-20261130T190000Z-seq1234.sqlite`).
    public static func take(from directory: URL, to destination: URL, now: Date = Date()) throws(StorageError) -> BackupCopy {
        let source = directory.appendingPathComponent(EvidenceDatabase.fileName).path
        guard FileManager.default.fileExists(atPath: source) else {
            throw .cannotOpen(path: source, reason: "no such file; is --data-dir / LDN_DATA_DIR the store's data directory?")
        }
        var isDirectory: ObjCBool = false
        let intoDirectory = FileManager.default.fileExists(atPath: destination.path, isDirectory: &isDirectory) && isDirectory.boolValue
        let folder = intoDirectory ? destination : destination.deletingLastPathComponent()
        guard access(folder.path, W_OK) == 0 else {
            throw .directoryNotWritable(path: folder.path, reason: String(cString: strerror(errno)))
        }
        // Hidden, and not named like a backup: retention never counts or removes it.
        let partial = folder.appendingPathComponent(".evidence-backup-\(getpid()).partial").path
        try? FileManager.default.removeItem(atPath: partial)
        do {
            let copy = try copyDatabase(from: source, to: partial)
            try FileSync.sync(partial)
            let bytes = (try? FileManager.default.attributesOfItem(atPath: partial)[.size] as? Int64) ?? 0
            let final = intoDirectory
                ? destination.appendingPathComponent(Retention.fileName(at: now, head: copy.head)).path : destination.path
            return BackupCopy(partialPath: partial, finalPath: final, head: copy.head, records: copy.records, bytes: bytes,
                              storeID: copy.storeID)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    /// SQLite's online backup, in one step: the source's pages are read in one read
    /// transaction, so the copy is the database as of one commit, while the store goes on
    /// writing (WAL: its writes never wait for this reader).
    private static func copyDatabase(from source: String, to partial: String) throws(StorageError) -> (head: Int64, records: Int, storeID: String?) {
        let reader = try EvidenceDatabase.readOnly(path: source)
        do {
            let copy = try DatabaseQueue(path: partial)
            try reader.backup(to: copy)
            try reader.close()
            // One self-contained file at rest: no write-ahead log beside it.
            let summary = try copy.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
                return (head: try EvidenceDatabase.head(db), records: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM records") ?? 0,
                        storeID: try StoreIdentity.read(db))
            }
            try copy.close()
            return summary
        } catch {
            throw .cannotOpen(path: source, reason: "the backup failed: \(EvidenceDatabase.reason(error))")
        }
    }
}
