import Foundation
import GRDB
import WireProtocol

/// A service's own SQLite database (the notifier's watches, the harvester's searches): made
/// in `directory` if missing, each commit synced (`synchronous = FULL`: what is answered is on
/// disk), brief lock waits, and migrated to this build's schema. A database written by a newer
/// build is refused rather than read with a schema this build does not know.
public enum ServiceDatabase {
    /// The opened pool and its file's path.
    public static func open(_ fileName: String, in directory: URL, migrator: DatabaseMigrator,
                            writtenBy service: String) throws -> (pool: DatabasePool, path: String) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(fileName).path
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        configuration.busyMode = .timeout(5)
        let pool = try DatabasePool(path: path, configuration: configuration)
        if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
            throw ErrorBody(code: .internal, message: "\(path) was written by a newer \(service)")
        }
        try migrator.migrate(pool)
        // The reader that ran the check holds the schema from before the migration: a
        // `SELECT *` it prepares could list old columns (GRDB issues 1453, 1500).
        pool.invalidateReadOnlyConnections()
        return (pool, path)
    }
}
