import Foundation
import GRDB
import WireProtocol

/// A consistent copy of the replica's database made by copying its file in the kernel
/// (`sendfile`): at a million records 0.8 s where SQLite's backup API, which copies page by
/// page through two pagers, takes 6–8 s.
///
/// The file alone is one consistent state only while nothing in the WAL is newer than it. So
/// a checkpoint moves every committed page into the file and empties the WAL, then a read
/// transaction starts. A reader that starts while the WAL is fully copied back reads the file
/// only (SQLite's read lock 0), and while it holds that lock no checkpoint may write to the
/// file (`walCheckpoint` needs it exclusively): writers go on appending to the WAL, the file
/// stays as it was. The reader cannot tell which lock it holds, but the WAL being empty after
/// it started proves it: a reader using WAL frames keeps them from being reset or truncated.
/// When the checkpoint is held up by a long read, or a write comes between it and the read,
/// the copy gives up and the caller uses the backup API.
enum ImageCopy {
    /// Copies the database at `source` to `destination` and returns what `read` read in the
    /// copied state; nil when no moment came with an empty WAL (`attempts` tries).
    static func copy<T>(_ source: String, to destination: String, attempts: Int = 3,
                        reading read: (Database) throws -> T) throws -> T? {
        var configuration = Configuration()
        configuration.busyMode = .timeout(1)
        let connection = try DatabaseQueue(path: source, configuration: configuration)
        defer { try? connection.close() }
        return try connection.writeWithoutTransaction { db -> T? in
            for _ in 0..<attempts {
                // Busy (a reader of an older state, the writer) answers 1 in the first column.
                guard let checkpoint = try? Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)"),
                      checkpoint[0] as Int? == 0 else { continue }
                try db.execute(sql: "BEGIN DEFERRED")
                defer { try? db.execute(sql: "ROLLBACK") }
                let value = try read(db)  // the first read takes the snapshot
                guard walIsEmpty(source) else { continue }
                try copyFile(source, to: destination)
                return value
            }
            return nil
        }
    }

    /// No frame in the WAL (or no WAL file).
    private static func walIsEmpty(_ database: String) -> Bool {
        var info = stat()
        return stat(database + "-wal", &info) != 0 ? errno == ENOENT : info.st_size == 0
    }

    /// The whole file, copied by the kernel.
    private static func copyFile(_ source: String, to destination: String) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw ErrorBody(code: .internal, message: "cannot open \(source): errno \(errno)") }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw ErrorBody(code: .internal, message: "cannot create \(destination): errno \(errno)") }
        defer { close(output) }
        while true {
            let copied = sendfile(output, input, nil, 1 << 30)
            if copied == 0 { return }
            if copied < 0 {
                if errno == EINTR { continue }
                throw ErrorBody(code: .internal, message: "cannot copy \(source) to \(destination): errno \(errno)")
            }
        }
    }
}
