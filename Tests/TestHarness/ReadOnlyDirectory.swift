import Foundation

/// A directory the current user cannot write to. Permissions do not stop root, so as root
/// (as in CI) it is a read-only tmpfs mount instead.
public final class ReadOnlyDirectory {
    public let url: URL
    private let mounted: Bool

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-readonly-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        if getuid() == 0 {
            let mount = try ChildProcess(executable: "/bin/mount", arguments: ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", url.path])
            guard mount.waitUntilExit() == 0 else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSLocalizedDescriptionKey: "cannot mount a read-only tmpfs as root"])
            }
            mounted = true
        } else {
            try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: url.path)
            mounted = false
        }
    }

    deinit {
        if mounted {
            _ = (try? ChildProcess(executable: "/bin/umount", arguments: [url.path]))?.waitUntilExit()
        } else {
            try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: url.path)
        }
        try? FileManager.default.removeItem(at: url)
    }
}
