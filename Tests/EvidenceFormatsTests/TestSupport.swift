import Foundation

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

/// Runs a program found on the PATH (Rscript, python3) to completion: its exit status and
/// what it printed on standard output and standard error.
func runProgram(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
