import Foundation

/// An exclusive `flock` on a file in the data directory, held for the store's lifetime,
/// so that a second store on the same data refuses to start instead of corrupting it.
final class DirectoryLock: Sendable {
    private let descriptor: Int32

    init(directory: URL) throws(StorageError) {
        let path = directory.appendingPathComponent("evidence-store.lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw .directoryNotWritable(path: directory.path, reason: String(cString: strerror(errno)))
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw .directoryInUse(path: directory.path)
        }
        descriptor = fd
    }

    deinit {
        // Unlocked before closing: a child process forked meanwhile (tests spawn services
        // while a store closes) shares the descriptor's lock until it execs, and closing
        // ours alone would leave the directory locked for that moment.
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
