import Foundation

/// A file in a fresh temporary folder holding `text`; returns its path.
public func temporaryFile(_ name: String, _ text: String) throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-files-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

extension Pipe {
    /// A pipe whose ends are not inherited by other programs the tests start at the same
    /// moment (Foundation's `Pipe` leaves them inheritable): a leaked write end would keep
    /// the reader from seeing the end of a program's output after it exits. The child that
    /// is given the pipe still gets it, as its standard output or error.
    public static func closedOnExec() -> Pipe {
        let pipe = Pipe()
        for handle in [pipe.fileHandleForReading, pipe.fileHandleForWriting] {
            _ = fcntl(handle.fileDescriptor, F_SETFD, FD_CLOEXEC)
        }
        return pipe
    }
}

/// A fresh, empty temporary folder.
public func temporaryDirectory(_ label: String = "files") throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}
