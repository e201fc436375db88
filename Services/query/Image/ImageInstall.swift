import Foundation
import GRDB
import Replication
import WireProtocol

extension ReplicaDatabase {
    /// What an image holds, read from the file itself (not from what its peer claimed).
    struct ImageContents {
        let seq: Int64
        let storeID: String?
    }

    /// Replaces this replica's copy with the image at `path`, when the image belongs to the
    /// store history `store` and was written by this release's schema. SQLite's backup API
    /// copies it into the open database in one write transaction: readers see the old copy
    /// or the new one, never half of each. Blocks: call it off the cooperative pool.
    func install(imageAt path: String, for store: ChangeLog.StoreHead) throws -> ImageContents {
        var configuration = Configuration()
        configuration.readonly = true
        let image = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? image.close() }
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
        try image.backup(to: pool)
        // The copy went through the WAL: fold it into the file now, and let no reader keep the old schema.
        try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        pool.invalidateReadOnlyConnections()
        return contents
    }
}

/// An image this replica does not take, and why.
struct ImageRefused: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
