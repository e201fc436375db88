import Foundation
import TestHarness

/// A file in the repository, from this test file's place in it.
func repositoryFile(_ path: String) -> String {
    URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(path).path
}

/// `text` as a file called `name` in a fresh temporary folder.
func scratchFile(_ text: String, name: String = "sheet.csv") throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-formats-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent(name).path
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
}

/// Runs a program found on the PATH (Rscript, python3) to completion, waiting on a thread of
/// its own rather than a cooperative one: its exit status and what it printed on standard
/// output, then standard error.
func runProgram(_ arguments: [String]) async throws -> (status: Int32, output: String) {
    let run = try await TestHarness.run("/usr/bin/env", arguments)
    return (run.status, run.stdout + run.stderr)
}
