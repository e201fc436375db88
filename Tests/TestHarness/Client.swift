import Foundation
import Synchronization

/// A finished program run: its exit status and what it printed.
public struct ClientRun {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs the real `ldn` client to completion and captures what it printed.
public func ldn(_ arguments: [String], environment: [String: String] = [:],
                timeout: Duration = .seconds(180)) async throws -> ClientRun {
    try await run(try Binaries.url("ldn").path, arguments, environment: environment, timeout: timeout)
}

/// Runs a program to completion on threads of its own (never blocking the cooperative
/// pool) and captures what it printed. `LDN_*` variables of the test's own environment
/// are not passed on, so only what a test sets applies. A program still running after
/// `timeout` is killed and the run fails, so that a hung program fails its test instead of
/// hanging the suite.
public func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                timeout: Duration = .seconds(180)) async throws -> ClientRun {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            continuation.resume(with: Result {
                var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LDN_") }
                env.merge(environment) { _, new in new }
                let out = Pipe.closedOnExec(), err = Pipe.closedOnExec()
                let process = try ChildProcess(executable: executable, arguments: arguments, environment: env,
                                               output: out.fileHandleForWriting.fileDescriptor,
                                               error: err.fileHandleForWriting.fileDescriptor)
                try? out.fileHandleForWriting.close()
                try? err.fileHandleForWriting.close()
                let timedOut = Atomic(false)
                let watchdog = DispatchWorkItem {
                    guard process.isRunning else { return }
                    timedOut.store(true, ordering: .relaxed)
                    kill(process.pid, SIGKILL)
                }
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout.components.seconds * 1000)),
                                                  execute: watchdog)
                defer { watchdog.cancel() }
                // Drain both pipes while the program runs, so a chatty one never blocks on a full pipe.
                let errData = Mutex(Data())
                let errDone = DispatchSemaphore(value: 0)
                Thread {
                    errData.withLock { $0 = err.fileHandleForReading.readDataToEndOfFile() }
                    errDone.signal()
                }.start()
                let outData = out.fileHandleForReading.readDataToEndOfFile()
                errDone.wait()
                let status = process.waitUntilExit()
                if timedOut.load(ordering: .relaxed) {
                    throw TestFailure("\(executable) \(arguments.joined(separator: " ")) was still running after \(timeout) and was killed; "
                                      + "its stderr:\n" + String(decoding: errData.withLock { $0 }, as: UTF8.self))
                }
                return ClientRun(status: status, stdout: String(decoding: outData, as: UTF8.self),
                                 stderr: String(decoding: errData.withLock { $0 }, as: UTF8.self))
            })
        }.start()
    }
}

/// `ldn submit FILE --ingest ENDPOINT` for a test that loads data to test something else,
/// with the patience a loaded machine needs: at the suite's start two cores run dozens of
/// processes, a store can be starved for seconds, and ingest then answers `unavailable`,
/// which ldn resends after a growing wait (6 times here instead of 2).
public func submitPatiently(_ file: String, ingest: String) async throws -> ClientRun {
    try await ldn(["submit", file, "--ingest", ingest, "--retries", "6"])
}
