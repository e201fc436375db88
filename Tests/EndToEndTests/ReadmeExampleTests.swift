import Foundation
import TestHarness
import Testing

/// Every `$ ldn …` example of README.md runs, exactly as written, against a real local set
/// that scripts/run-local.sh starts the way a newcomer starts it, in a folder that looks
/// like a fresh clone (the repository's `data`, `examples` and `Tests` folders, nothing
/// else), with the `export` lines run-local.sh prints. The output must be what the README
/// shows; `ReadmeExample` says how the README marks examples, and `ReadmeNormalisation`
/// what may differ (times, durations, uptimes, ports, secrets, the submitter's name).
@Suite("README examples run as shown", .serialized)
struct ReadmeExampleTests {
    @Test("Every example in README.md prints what the README shows", .timeLimit(.minutes(5)))
    func examples() async throws {
        let readme = try String(contentsOf: RunLocalSet.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let examples = ReadmeExample.all(in: readme)
        #expect(examples.count >= 10, "README examples found: \(examples.count)")
        #expect(examples.first?.setUp != nil, "the first example says which set it runs in")

        let base = try freePortBlock(count: 50)
        var normalise = ReadmeNormalisation(basePort: base, receiverPort: try freePort())
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-readme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        for folder in ["data", "examples", "Tests"] {
            try FileManager.default.createSymbolicLink(at: scratch.appendingPathComponent(folder),
                                                       withDestinationURL: RunLocalSet.repository.appendingPathComponent(folder))
        }
        var set: RunLocalSet?
        var fixture: HarvestFixture?
        var background: [ServiceProcess] = []
        defer {
            for process in background { process.signal(SIGKILL) }
            withExtendedLifetime(fixture) {}  // serves until the end
            try? FileManager.default.removeItem(at: scratch)
        }

        for example in examples {
            if let setUp = example.setUp {
                if let running = set { #expect(try await running.stop() == 0, "run-local.sh stops cleanly") }
                let data = scratch.appendingPathComponent("set-\(UUID().uuidString)")
                var environment: [String: String] = [:]
                if setUp == .harvestFixture {
                    let started = try await HarvestFixture(seed: RunLocalSet.repository.appendingPathComponent("examples/harvest/fixture-seed.json"))
                    (fixture, normalise.fixturePort) = (started, started.port)
                    environment = ["LDN_PUBMED_BASE": started.pubmedBase, "LDN_CTGOV_BASE": started.ctgovBase]
                }
                set = try RunLocalSet(basePort: base, dataDirectory: data, arguments: setUp == .newSet ? [] : ["--no-dataset"],
                                      environment: environment)
                try await set!.ready()
            }
            let exports = try #require(set?.exports, "README.md line \(example.commands[0].line): no set is running")
            let prelude = exports.joined(separator: "\n") + "\ncd '\(scratch.path)'\n"
            for command in example.commands {
                let shell = try ServiceProcess("/bin/bash", ["-c", prelude + normalise.command(command.shellText)],
                                               captureOutput: true)
                if command.inBackground {
                    background.append(shell)
                    let count = command.shownLines
                    try await eventually("README.md line \(command.line) prints \(count) lines", timeout: .seconds(20)) {
                        shell.output.count + shell.log.count >= count || shell.hasExited
                    }
                } else {
                    if let other = command.meanwhile {
                        try await eventually("README.md line \(command.line) starts", timeout: .seconds(20)) {
                            !shell.log.isEmpty || !shell.output.isEmpty || shell.hasExited
                        }
                        let side = try await run("/bin/bash", ["-c", prelude + normalise.command(other)])
                        #expect(side.status == 0, "README.md line \(command.line), the command in another shell: \(side.stderr)")
                    }
                    var status = try await shell.waitForExit(timeout: .seconds(60))
                    var (stdout, stderr) = (shell.output, shell.log)
                    // Replicas and webhooks catch up a moment after a change, as they do for a
                    // person typing the next command: a command that only reads is asked again.
                    let deadline = ContinuousClock.now + .seconds(10)
                    while command.onlyReads, !matches(command, stdout: stdout, stderr: stderr, normalise: normalise),
                          ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(200))
                        let again = try await run("/bin/bash", ["-c", prelude + normalise.command(command.shellText)])
                        (status, stdout, stderr) = (again.status, lines(again.stdout), lines(again.stderr))
                    }
                    if let expected = command.exitStatus {
                        #expect(status == expected, "README.md line \(command.line): `\(command.text)` exited \(status)")
                    }
                    compare(command, stdout: stdout, stderr: stderr, normalise: normalise)
                    continue
                }
                compare(command, stdout: shell.output, stderr: shell.log, normalise: normalise)
            }
        }
        if let set { #expect(try await set.stop() == 0, "run-local.sh stops cleanly") }
    }

    func lines(_ text: String) -> [String] {
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    func split(_ command: ReadmeExample.Command) -> (output: [String], errors: [String]) {
        (command.expected.filter { !$0.hasPrefix("ldn: ") }, command.expected.filter { $0.hasPrefix("ldn: ") })
    }

    func matches(_ command: ReadmeExample.Command, stdout: [String], stderr: [String], normalise: ReadmeNormalisation) -> Bool {
        let (output, errors) = split(command)
        return normalise.matches(expected: output, actual: stdout) && normalise.matches(expected: errors, actual: stderr)
    }

    /// Records an issue naming the README line, with what the README shows and what ran.
    /// With LDN_README_ACTUAL=FILE, also appends what ran to FILE, to update the README from.
    func compare(_ command: ReadmeExample.Command, stdout: [String], stderr: [String], normalise: ReadmeNormalisation) {
        if let path = ProcessInfo.processInfo.environment["LDN_README_ACTUAL"] {
            let text = (["## README.md line \(command.line)", "$ \(command.text)"] + stdout + stderr).joined(separator: "\n") + "\n"
            if let handle = FileHandle(forWritingAtPath: path) {
                handle.seekToEndOfFile()
                handle.write(Data(text.utf8))
                handle.closeFile()
            } else {
                _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
            }
        }
        let (expectedOutput, expectedErrors) = split(command)
        for (stream, expected, actual) in [("standard output", expectedOutput, stdout), ("standard error", expectedErrors, stderr)] {
            let seen = command.inBackground ? Array(actual.prefix(command.shownLines)) : actual
            #expect(normalise.matches(expected: expected, actual: seen), """
                README.md line \(command.line): `\(command.text)` printed on \(stream):
                \(seen.joined(separator: "\n"))
                --- the README shows:
                \(expected.joined(separator: "\n"))
                """)
        }
    }
}
