import ArgumentParser
import EvidenceStorage
import Foundation
import ServiceKit

/// `ldn-evidence-store backup`: a consistent copy of the database beside a running store.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the store's database while it runs (SQLite's online backup).",
        discussion: """
            Runs beside a running store (read-only; WAL: the store keeps taking writes). The copy holds the \
            database as of one commit; the line printed names its head (the last sequence number it holds: \
            a restore from it loses the changes after it), records, bytes and time. The copy is written under a \
            temporary name, synced, and only then renamed: no half-written file ever carries a backup's name.
            --to a directory: the copy is named evidence-<UTC time>-seq<head>.sqlite there, and --keep N then \
            removes all but the newest N such files (other files are never touched).
            Exit status: 0 the copy is kept; 1 --verify found damage (the copy is kept as <name>.damaged, and \
            no older backup is removed); 2 no copy could be made.
            """)

    @Option(help: "The store's data directory (env LDN_DATA_DIR).")
    var dataDir = Setting.string("LDN_DATA_DIR", default: DefaultEndpoint.dataDirectory)

    @Option(help: "The backup file, or an existing directory for timestamped backups.")
    var to: String

    @Flag(help: "Check the copy as `verify` does (integrity, hashes, no sequence gaps) before keeping it.")
    var verify = false

    @Option(help: "With --to a directory: keep only the newest N backups there.")
    var keep: Int?

    func validate() throws {
        if let keep, keep < 1 { throw ValidationError("--keep must be at least 1 (the backup just taken)") }
        if keep != nil && !Self.isDirectory(to) {
            throw ValidationError("--keep needs --to to be an existing directory (\(to) is not one)")
        }
    }

    func run() throws {
        let started = ContinuousClock.now
        let copy: BackupCopy
        do {
            copy = try Backup.take(from: URL(fileURLWithPath: dataDir), to: URL(fileURLWithPath: to))
        } catch {
            fail("cannot back up: \(error)")
        }
        if verify {
            let report: ScrubReport
            do {
                report = try Scrub.run(file: copy.partialPath)
            } catch {
                try? FileManager.default.removeItem(atPath: copy.partialPath)
                fail("cannot check the copy: \(error)")
            }
            if !report.problems.isEmpty {
                for problem in report.problems { print(problem) }
                try? copy.setAside(suffix: ".damaged")
                FileHandle.standardError.write(Data("""
                    ldn-evidence-store backup: the copy has \(report.problems.count) problem(s), so has the store's database: \
                    kept as \(copy.finalPath).damaged; no older backup removed; run `ldn-evidence-store verify`\n
                    """.utf8))
                throw ExitCode(1)
            }
        }
        do {
            try copy.keep()
        } catch {
            try? FileManager.default.removeItem(atPath: copy.partialPath)
            fail("cannot keep the copy: \(error)")
        }
        let ms = Int((ContinuousClock.now - started).milliseconds)
        print("backup \(copy.finalPath): head seq \(copy.head), \(copy.records) records, \(copy.bytes) bytes, \(ms) ms"
              + (verify ? ", verified" : "") + (copy.storeID.map { ", store id \($0)" } ?? ""))
        if let keep {
            do {
                for removed in try Retention.prune(URL(fileURLWithPath: to), keep: keep) { print("removed old backup \(removed)") }
            } catch {
                fail("the backup is kept, but old ones could not be removed: \(error)")
            }
        }
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("ldn-evidence-store backup: \(message)\n".utf8))
        Self.exit(withError: ExitCode(2))
    }
}
