import Foundation
import Synchronization

/// One of the project's executables running as a child process, its standard error
/// collected line by line.
public final class ServiceProcess: Sendable {
    public let name: String
    private let capturesOutput: Bool
    private let child: ChildProcess
    /// Kept for as long as the process is: a pipe's reading end closes when it goes.
    private let pipes: [Pipe]
    private let state = State()

    /// What the pipe and termination handlers record, shared with them by reference.
    private final class State: Sendable {
        let errorLines = LineCollector()
        let outputLines = LineCollector()
        let exitStatus = Mutex<Int32?>(nil)
    }

    /// Splits what a pipe delivers into lines as it arrives.
    private final class LineCollector: Sendable {
        private let lines = Mutex<[String]>([])
        private let pending = Mutex(Data())
        private let ended = Atomic<Bool>(false)

        var all: [String] { lines.withLock { $0 } }
        /// The writer closed its end and every line has been read.
        var isComplete: Bool { ended.load(ordering: .acquiring) }

        func attach(to pipe: Pipe) {
            pipe.fileHandleForReading.readabilityHandler = { [self] handle in
                let chunk = handle.availableData
                pending.withLock { buffer in
                    buffer.append(chunk)
                    while let newline = buffer.firstIndex(of: 0x0A) {
                        let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                        lines.withLock { $0.append(line) }
                        buffer.removeSubrange(buffer.startIndex...newline)
                    }
                }
                if chunk.isEmpty {
                    handle.readabilityHandler = nil
                    ended.store(true, ordering: .releasing)
                }
            }
        }
    }

    /// `executable` is one of the project's (found by `Binaries`) or a path. Standard error
    /// is collected in `log`; with `captureOutput`, standard output in `output`.
    public init(_ executable: String, _ arguments: [String] = [], environment: [String: String] = [:],
                captureOutput: Bool = false) throws {
        name = executable
        capturesOutput = captureOutput
        let path = executable.contains("/") ? executable : try Binaries.url(executable).path
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LDN_") }
        env["LDN_STATS_INTERVAL"] = "0"
        env.merge(environment) { _, new in new }
        let errorPipe = Pipe.closedOnExec()
        state.errorLines.attach(to: errorPipe)
        let outputPipe = captureOutput ? Pipe.closedOnExec() : nil
        if let outputPipe { state.outputLines.attach(to: outputPipe) }
        child = try ChildProcess(executable: path, arguments: arguments, environment: env,
                                 output: outputPipe?.fileHandleForWriting.fileDescriptor,
                                 error: errorPipe.fileHandleForWriting.fileDescriptor) { [state] status in
            state.exitStatus.withLock { $0 = status }
        }
        // The child has its own copies: the reader sees the end once the child's are closed.
        try? errorPipe.fileHandleForWriting.close()
        try? outputPipe?.fileHandleForWriting.close()
        pipes = [errorPipe] + (outputPipe.map { [$0] } ?? [])
    }

    deinit {
        if child.isRunning { kill(child.pid, SIGKILL) }
    }

    public var pid: Int32 { child.pid }
    /// The exit status once the process has ended; nil while it runs.
    public var exitStatus: Int32? { state.exitStatus.withLock { $0 } }
    /// Whether the process has ended.
    public var hasExited: Bool { exitStatus != nil }
    public var log: [String] { state.errorLines.all }
    /// Standard output lines, when captured.
    public var output: [String] { state.outputLines.all }

    /// Waits until a log line contains all of `fragments`; fails after `timeout`.
    @discardableResult
    public func waitForLine(_ fragments: String..., timeout: Duration = .seconds(20)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = log.first(where: { line in fragments.allSatisfy(line.contains) }) { return line }
            // Exited: once its last words are read, the line will not come.
            if state.exitStatus.withLock({ $0 }) != nil && state.errorLines.isComplete { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("\(name) logged no line with \(fragments) within \(timeout); its log:\n" + log.joined(separator: "\n"))
    }

    public func signal(_ signal: Int32) { kill(child.pid, signal) }

    /// The exit status, once the process has ended; fails after `timeout` (and kills it).
    public func waitForExit(timeout: Duration = .seconds(20)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        var exitedAt: ContinuousClock.Instant?
        while ContinuousClock.now < deadline {
            // Exited, and its output read to the end (the pipe may lag the exit a little). The
            // pipes are close-on-exec, but a program spawned by another test in the instant
            // between a pipe's creation and that flag could still hold its write end, so after
            // a grace period the exit status alone counts.
            if let status = state.exitStatus.withLock({ $0 }) {
                let exited = exitedAt ?? .now
                exitedAt = exited
                let complete = state.errorLines.isComplete && (!capturesOutput || state.outputLines.isComplete)
                if complete || ContinuousClock.now - exited > .seconds(2) { return status }
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        let situation = child.isRunning ? "still running" : "exited, its output not read to the end"
        signal(SIGKILL)
        throw TestFailure("\(name) did not exit within \(timeout) (\(situation)); its log:\n" + log.joined(separator: "\n"))
    }

    /// SIGTERM, then the exit status.
    public func stop() async throws -> Int32 {
        signal(SIGTERM)
        return try await waitForExit()
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Where `swift build` put the executables: beside the test bundle, or LDN_BIN_DIR.
public enum Binaries {
    public static let directory: URL = {
        if let dir = ProcessInfo.processInfo.environment["LDN_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if url.lastPathComponent == "MacOS" { url = url.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }
        return url
    }()

    public static func url(_ executable: String) throws -> URL {
        let url = directory.appendingPathComponent(executable)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw TestFailure("\(url.path) is missing: build the package (swift build) before the end-to-end tests")
        }
        return url
    }
}
