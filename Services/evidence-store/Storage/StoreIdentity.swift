import GRDB

/// The id of a store's history (`store_meta.store_id`): 32 hex digits, made with the database
/// and replaced by `restore`. Followers compare it with the one they remember: another id
/// means the log they followed is not this one, whatever the heads say.
public enum StoreIdentity {
    /// The id; nil for a database from before migration `v5-store-id`.
    static func read(_ db: Database) throws -> String? {
        guard try db.tableExists("store_meta") else { return nil }
        return try String.fetchOne(db, sql: "SELECT value FROM store_meta WHERE name = 'store_id'")
    }

    /// Gives the database a new id (a restore starts a new history) and returns it.
    static func renew(_ db: Database) throws -> String {
        try db.execute(sql: "INSERT OR REPLACE INTO store_meta (name, value) VALUES ('store_id', lower(hex(randomblob(16))))")
        guard let id = try read(db) else { throw StorageError.cannotOpen(path: db.description, reason: "no store id after renewing it") }
        return id
    }
}
