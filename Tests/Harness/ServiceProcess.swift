import Foundation
import Synchronization

/// One of the project's executables running as a child process, its standard error
/// collected line by line.
public final class ServiceProcess: Sendable {
    public let name: String
    private let process: Process
    private let state = State()

    /// What the pipe and termination handlers record, shared with them by reference.
    private final class State: Sendable {
        let lines = Mutex<[String]>([])
        let exit = Mutex<(status: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))
        let pending = Mutex(Data())
    }

    public init(_ executable: String, _ arguments: [String] = [], environment: [String: String] = [:]) throws {
        name = executable
        process = Process()
        process.executableURL = try Binaries.url(executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LDN_") }
        env["LDN_STATS_INTERVAL"] = "0"
        env.merge(environment) { _, new in new }
        process.environment = env
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        pipe.fileHandleForReading.readabilityHandler = { [state] handle in
            let chunk = handle.availableData
            state.pending.withLock { buffer in
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    state.lines.withLock { $0.append(line) }
                    buffer.removeSubrange(buffer.startIndex...newline)
                }
            }
            if chunk.isEmpty { handle.readabilityHandler = nil }
        }
        process.terminationHandler = { [state] process in
            let waiters = state.exit.withLock { state in
                state.status = process.terminationStatus
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: process.terminationStatus) }
        }
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    public var pid: Int32 { process.processIdentifier }
    public var log: [String] { state.lines.withLock { $0 } }

    /// Waits until a log line contains all of `fragments`; fails after `timeout`.
    @discardableResult
    public func waitForLine(_ fragments: String..., timeout: Duration = .seconds(20)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = log.first(where: { line in fragments.allSatisfy(line.contains) }) { return line }
            if state.exit.withLock({ $0.status }) != nil, !log.contains(where: { line in fragments.allSatisfy(line.contains) }) {
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("\(name) logged no line with \(fragments) within \(timeout); its log:\n" + log.joined(separator: "\n"))
    }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// The exit status, once the process has ended; fails after `timeout`.
    public func waitForExit(timeout: Duration = .seconds(20)) async throws -> Int32 {
        let status = await withTaskGroup(of: Int32?.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let known = self.state.exit.withLock { state -> Int32? in
                        if state.status == nil { state.waiters.append(continuation) }
                        return state.status
                    }
                    if let known { continuation.resume(returning: known) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next()!
            group.cancelAll()
            return first
        }
        guard let status else {
            signal(SIGKILL)
            throw TestFailure("\(name) did not exit within \(timeout)")
        }
        return status
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
