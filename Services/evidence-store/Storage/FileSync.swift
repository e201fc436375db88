import Foundation

/// `fsync` for files and directories, and a rename made durable: what a backup or a restore
/// writes is on disk before it carries its final name, and the new name survives a power cut.
enum FileSync {
    static func sync(_ path: String, directory: Bool = false) throws(StorageError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0))
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .cannotOpen(path: path, reason: "fsync: \(String(cString: strerror(errno)))") }
    }

    /// Renames `from` to `to` (replacing it) and syncs the directory holding `to`.
    static func rename(_ from: String, to: String) throws(StorageError) {
        guard Foundation.rename(from, to) == 0 else {
            throw .directoryNotWritable(path: to, reason: "cannot rename \(from): \(String(cString: strerror(errno)))")
        }
        try sync(URL(fileURLWithPath: to).deletingLastPathComponent().path, directory: true)
    }
}
