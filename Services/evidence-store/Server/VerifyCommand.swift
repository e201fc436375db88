import ArgumentParser
import EvidenceStorage
import Foundation
import ServiceKit

/// `ldn-evidence-store verify`: the operator's scrub. Reads the database read-only (beside a
/// running store, too), prints each problem and a summary line, and never repairs.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a store's database for damage; never repairs.",
        discussion: """
            Runs SQLite's integrity check, checks every change's record JSON against the hash it was committed \
            with and that it reads as a valid record, that the change log has no sequence gaps, and that every \
            record points at one of its own changes. Prints one line per problem (seq, record id, what) and a \
            summary. Safe while the store runs (read-only; WAL).
            Exit status: 0 no damage found, 1 damage found, 2 the check could not run.
            """)

    @Option(help: "The store's data directory (env LDN_DATA_DIR).")
    var dataDir = Setting.string("LDN_DATA_DIR", default: DefaultEndpoint.dataDirectory)

    func run() throws {
        let report: ScrubReport
        do {
            report = try Scrub.run(directory: URL(fileURLWithPath: dataDir))
        } catch {
            FileHandle.standardError.write(Data("ldn-evidence-store verify: cannot check: \(error)\n".utf8))
            throw ExitCode(2)
        }
        for problem in report.problems { print(problem) }
        print(report.summary)
        if !report.problems.isEmpty { throw ExitCode(1) }
    }
}
