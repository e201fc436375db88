import Foundation
import Synchronization

/// A finished program run: its exit status and what it printed.
public struct ClientRun {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs the real `ldn` client to completion and captures what it printed.
public func ldn(_ arguments: [String], environment: [String: String] = [:]) async throws -> ClientRun {
    try await run(try Binaries.url("ldn").path, arguments, environment: environment)
}

/// Runs a program to completion on threads of its own (never blocking the cooperative
/// pool) and captures what it printed. `LDN_*` variables of the test's own environment
/// are not passed on, so only what a test sets applies.
public func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> ClientRun {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            continuation.resume(with: Result {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = arguments
                var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LDN_") }
                env.merge(environment) { _, new in new }
                process.environment = env
                let out = Pipe.closedOnExec(), err = Pipe.closedOnExec()
                process.standardOutput = out
                process.standardError = err
                try process.run()
                // Drain both pipes while the program runs, so a chatty one never blocks on a full pipe.
                let errData = Mutex(Data())
                let errDone = DispatchSemaphore(value: 0)
                Thread {
                    errData.withLock { $0 = err.fileHandleForReading.readDataToEndOfFile() }
                    errDone.signal()
                }.start()
                let outData = out.fileHandleForReading.readDataToEndOfFile()
                errDone.wait()
                process.waitUntilExit()
                return ClientRun(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                                 stderr: String(decoding: errData.withLock { $0 }, as: UTF8.self))
            })
        }.start()
    }
}
