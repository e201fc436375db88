import ArgumentParser
import EvidenceStorage
import Foundation
import ServiceKit

/// `ldn-evidence-store restore`: rebuilds a data directory from a backup, with the store stopped.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Rebuild the store's data directory from a backup (with the store stopped).",
        discussion: """
            Checks the backup as `verify` does, upgrades it to this release's schema and gives it a new store id: \
            a restored store has a new history, and the query replicas and the notifier that followed the old one \
            notice it, say so and resynchronise. Refuses a directory a running store holds, and one that already \
            holds a database unless --force (which keeps the old one beside as evidence-replaced-<time>.sqlite).
            Exit status: 0 restored; 1 the backup is damaged or the directory is in use or not empty (nothing \
            changed); 2 the restore could not run.
            """)

    @Option(help: "The store's data directory (env LDN_DATA_DIR).")
    var dataDir = Setting.string("LDN_DATA_DIR", default: DefaultEndpoint.dataDirectory)

    @Option(help: "The backup file to restore.")
    var from: String

    @Flag(help: "Replace the database the directory holds (kept beside as evidence-replaced-<time>.sqlite).")
    var force = false

    func run() throws {
        let started = ContinuousClock.now
        let result: RestoreResult
        do {
            result = try Restore.run(from: from, into: URL(fileURLWithPath: dataDir), force: force)
        } catch {
            FileHandle.standardError.write(Data("ldn-evidence-store restore: \(error)\n".utf8))
            switch error {
            case .directoryInUse, .wouldReplace, .damaged, .newerSchema: throw ExitCode(1)
            default: throw ExitCode(2)
            }
        }
        for path in result.setAside { print("kept the replaced database as \(path)") }
        let ms = Int((ContinuousClock.now - started).milliseconds)
        print("restored \(from) into \(dataDir): head seq \(result.head), \(result.records) records, new store id \(result.storeID)"
              + " (the backup's: \(result.backupStoreID ?? "none")), \(ms) ms")
    }
}
