import Foundation
import Glibc
import GRDB
import Replication
import WireProtocol

extension ReplicaDatabase {
    /// What an image holds, read from the file itself (not from what its peer claimed).
    struct ImageContents {
        let seq: Int64
        let storeID: String?
    }

    /// Makes the verified image at `path` (a file in the data folder) this replica's copy, when
    /// it belongs to the store history `store` and was written by this release's schema. The
    /// file is moved into place, not copied: the open (empty) copy is closed, the image renamed
    /// over it, the folder synced, and the copy opened again. A crash at any point leaves the
    /// old copy (still without a position: the next start fetches again) or the image, never
    /// half of one: until the rename the image has a `query-image-` name, which is never opened
    /// as a database and is removed at the next start. Blocks: call it off the cooperative pool.
    func install(imageAt path: String, for store: ChangeLog.StoreHead) throws -> ImageContents {
        let contents = try Self.check(imageAt: path, for: store)
        try current.withLock { pool in
            // An empty WAL first, so that no moment leaves the old file without the frames it needs.
            try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
            try pool.close()
            do {
                try Self.move(path, over: self.path)
                pool = try Self.open(self.path)
            } catch {
                // The follower needs a copy to load the snapshot into: an empty one.
                for suffix in ["", "-wal", "-shm"] { unlink(self.path + suffix) }
                pool = try Self.open(self.path)
                throw error
            }
        }
        return contents
    }

    /// What the image holds, when this replica may take it.
    private static func check(imageAt path: String, for store: ChangeLog.StoreHead) throws -> ImageContents {
        var configuration = Configuration()
        configuration.readonly = true
        let image = try DatabaseQueue(path: path, configuration: configuration)
        // Opening a WAL file leaves an empty -wal and -shm beside it; they must not follow it.
        defer { try? image.close(); unlink(path + "-wal"); unlink(path + "-shm") }
        let (contents, migrations) = try image.read { db in
            (ImageContents(seq: try Int64.fetchOne(db, sql: "SELECT value FROM replica WHERE name = 'applied_seq'") ?? 0,
                           storeID: try String.fetchOne(db, sql: "SELECT store_id FROM replica_store")),
             try ReplicaMigrations.migrator.appliedIdentifiers(db))
        }
        let ours = Set(ReplicaMigrations.migrator.migrations)
        guard migrations == ours else {
            throw ImageRefused("the image's schema (\(migrations.sorted())) is not this release's (\(ours.sorted()))")
        }
        guard contents.storeID == store.storeID else {
            throw ImageRefused("the image is of store history \(contents.storeID ?? "unknown"), the store's is \(store.storeID ?? "unknown")")
        }
        guard contents.seq >= 1, contents.seq <= store.seq else {
            throw ImageRefused("the image is at seq \(contents.seq), the store's head is \(store.seq)")
        }
        return contents
    }

    /// Renames `image` over the database file `target` once the old copy's -wal and -shm are
    /// gone (they would be taken for the image's), and syncs the folder so the rename lasts.
    private static func move(_ image: String, over target: String) throws {
        for suffix in ["-wal", "-shm"] {
            guard unlink(target + suffix) == 0 || errno == ENOENT else {
                throw ImageRefused("cannot remove \(target)\(suffix): errno \(errno)")
            }
        }
        guard rename(image, target) == 0 else { throw ImageRefused("cannot move the image to \(target): errno \(errno)") }
        let folder = Glibc.open((target as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard folder >= 0 else { throw ImageRefused("cannot open the data folder to sync it: errno \(errno)") }
        defer { Glibc.close(folder) }
        guard fsync(folder) == 0 else { throw ImageRefused("cannot sync the data folder: errno \(errno)") }
    }
}

/// An image this replica does not take, and why.
struct ImageRefused: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
