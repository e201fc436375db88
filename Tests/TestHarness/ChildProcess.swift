import Foundation
import Synchronization

/// A program started with `posix_spawn`: standard input from /dev/null, standard output and
/// error to the descriptors given (or /dev/null), every other descriptor closed in the child,
/// in a process group of its own. A thread of its own waits for the exit.
///
/// Not Foundation's `Process`: on Linux it lists /proc/self/fd to close each descriptor in the
/// child, copying 256 bytes out of every directory entry; with the 1 300 or more descriptors
/// the whole suite holds at its peak, that copy read past the end of readdir's buffer and the
/// test process crashed (SIGSEGV in `Process.run`). Closing from 3 up is one action instead.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    private let exit = ExitStatus()

    /// Shared with the waiting thread.
    private final class ExitStatus: Sendable {
        let value = Mutex<Int32?>(nil)
        let ended = DispatchSemaphore(value: 0)
    }

    /// - Parameters:
    ///   - output, error: descriptors the child writes its standard output and error to; nil: /dev/null.
    ///   - onExit: called once, on the waiting thread, with the exit status (or the signal's number).
    public init(executable: String, arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
                output: Int32? = nil, error: Int32? = nil,
         onExit: @escaping @Sendable (Int32) -> Void = { _ in }) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        for (target, source) in [(Int32(1), output), (2, error)] {
            if let source {
                posix_spawn_file_actions_adddup2(&actions, source, target)
            } else {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
            }
        }
        guard Self.addCloseFrom(&actions, 3) == 0 else { throw TestFailure("posix_spawn_file_actions_addclosefrom_np failed") }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child = pid_t()
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw TestFailure("cannot start \(executable): \(String(cString: strerror(result)))") }
        pid = child
        Thread { [exit, pid] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            // As Foundation reports it: the exit code, or the signal that ended the program.
            let code = status & 0x7f == 0 ? (status >> 8) & 0xff : status & 0x7f
            exit.value.withLock { $0 = code }
            onExit(code)
            exit.ended.signal()
        }.start()
    }

    /// The exit status (or signal) once the program has ended; nil while it runs.
    public var exitStatus: Int32? { exit.value.withLock { $0 } }
    public var isRunning: Bool { exitStatus == nil }

    /// Blocks the calling thread until the program ends; its exit status (or signal).
    public func waitUntilExit() -> Int32 {
        exit.ended.wait()
        exit.ended.signal()  // for any other waiter
        return exitStatus!
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
    /// module does not declare.
    private static let addCloseFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            fatalError("glibc 2.34 or later is needed: posix_spawn_file_actions_addclosefrom_np is missing")
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()
}
