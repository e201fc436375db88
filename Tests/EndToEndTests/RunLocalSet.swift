import Foundation
import TestHarness

/// `scripts/run-local.sh` as a person runs it, with the tests' executables (`LDN_BIN_DIR`, so
/// nothing is built), its own block of ports (`LDN_LOCAL_BASE_PORT`) and data folder.
final class RunLocalSet {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// The ports the script uses, from its base: 0–1 ingest, 10–11 store, 20–21 query, 30–31 notifier,
    /// 40 harvester.
    static let portSpan = 41

    let script: ServiceProcess
    let basePort: Int
    let dataDirectory: URL

    /// Starts the script; `ready` waits until it says the set is up (or fails with its output).
    init(basePort: Int, dataDirectory: URL, arguments: [String] = [], environment extra: [String: String] = [:]) throws {
        self.basePort = basePort
        self.dataDirectory = dataDirectory
        let environment = ["LDN_BIN_DIR": Binaries.directory.path, "LDN_LOCAL_BASE_PORT": String(basePort),
                           "LDN_DATA_DIR": dataDirectory.path].merging(extra) { _, new in new }
        // The test runner's threads block SIGINT and SIGTERM, and a child inherits its
        // parent's signal mask; bash cannot unblock them, so its trap would never run. The
        // script is started through a one-line exec that clears the mask first.
        script = try ServiceProcess("/usr/bin/python3", ["-c", Self.execUnblocked,
                                                         Self.repository.appendingPathComponent("scripts/run-local.sh").path] + arguments,
                                    environment: environment, captureOutput: true)
    }

    static let execUnblocked = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, set()); os.execv(sys.argv[1], sys.argv[1:])"

    /// Everything the script printed, standard output then standard error.
    var transcript: String { (script.output + script.log).joined(separator: "\n") }

    /// Waits until the script says the set is up and has printed what follows (the `export`
    /// lines, then "then try"); fails when it exits first.
    func ready(timeout: Duration = .seconds(90)) async throws {
        try await eventually("run-local.sh says the set is up; it printed:\n\(transcript)", timeout: timeout) {
            if script.output.contains(where: { $0.contains("run-local: then try:") }) { return true }
            if script.hasExited { throw TestFailure("run-local.sh exited early; it printed:\n\(transcript)") }
            return false
        }
    }

    /// The `export …` lines it prints for another shell.
    var exports: [String] {
        script.output.map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("export ") }
    }

    /// The pids of the services it started, from their "starting … pid=N" log lines.
    var servicePIDs: [Int32] {
        script.output.compactMap { line in
            guard line.contains(" info starting "), let match = line.firstMatch(of: /pid=(\d+)/) else { return nil }
            return Int32(match.1)
        }
    }

    /// The service processes running with this set's ports or data folder in their arguments,
    /// whoever started them: read from /proc, so that a service killed before it logged its
    /// pid is found as well.
    var servicesRunning: Set<Int32> {
        let endpoints = Set((basePort..<basePort + Self.portSpan).map { "tcp://127.0.0.1:\($0)" })
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap(Int32.init) ?? []
        return Set(pids.filter { pid in
            guard let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let arguments = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard let program = arguments.first, URL(fileURLWithPath: program).lastPathComponent.hasPrefix("ldn-") else { return false }
            return arguments.dropFirst().contains { argument in
                argument.hasPrefix(dataDirectory.path) || argument.split(separator: ",").contains { endpoints.contains(String($0)) }
            }
        })
    }

    /// SIGTERM (the script traps it as it traps Ctrl-C); returns the script's exit status.
    func stop() async throws -> Int32 {
        try await script.stop()
    }

    /// Whatever it started goes, even when a test fails half-way.
    deinit {
        for pid in servicePIDs { kill(pid, SIGKILL) }
    }
}
