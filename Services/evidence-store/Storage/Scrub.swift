import EvidenceModel
import Foundation
import GRDB
import WireProtocol

/// One thing wrong in a store's database, as the scrub reports it.
public struct ScrubProblem: Sendable, CustomStringConvertible {
    public let seq: Int64?
    public let recordID: Int64?
    public let what: String

    public var description: String {
        let place = [seq.map { "seq=\($0)" }, recordID.map { "record=\($0)" }].compactMap { $0 }.joined(separator: " ")
        return place.isEmpty ? what : "\(place): \(what)"
    }
}

/// What the scrub checked and found.
public struct ScrubReport: Sendable {
    public let path: String
    public var problems: [ScrubProblem] = []
    public var changes = 0
    public var records = 0
    public var head: Int64 = 0
    /// The id of the store's history; nil in a database from before store ids.
    public var storeID: String?

    public var summary: String {
        let found = problems.isEmpty ? "no damage found"
            : "\(problems.count) problem\(problems.count == 1 ? "" : "s") found; restore the database from a backup"
        return "verify \(path): \(changes) changes (head seq \(head)), \(records) records checked; \(found)"
    }
}

/// The operator's scrub (`ldn-evidence-store verify`): reads a store's database, read-only
/// and in one read transaction (so it runs beside a running store, which WAL allows), and
/// reports damage. It never repairs: what to restore is the operator's decision.
public enum Scrub {
    /// Runs every check. Throws only when it cannot run (no database, an unreadable file, a
    /// schema from another release); damage is in the report.
    public static func run(directory: URL) throws(StorageError) -> ScrubReport {
        let path = directory.appendingPathComponent(EvidenceDatabase.fileName).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw .cannotOpen(path: path, reason: "no such file; is --data-dir / LDN_DATA_DIR the store's data directory?")
        }
        return try run(file: path)
    }

    /// The same checks on one database file: a backup, before it is kept or restored.
    public static func run(file path: String) throws(StorageError) -> ScrubReport {
        guard FileManager.default.fileExists(atPath: path) else { throw .cannotOpen(path: path, reason: "no such file") }
        let queue = try EvidenceDatabase.readOnly(path: path)
        do {
            return try queue.read { db in
                try checkSchema(db, path: path)
                var report = ScrubReport(path: path)
                report.storeID = try StoreIdentity.read(db)
                report.problems += integrity(db)
                report.problems += changeLog(db, into: &report)
                report.problems += recordHeads(db, into: &report)
                return report
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw .cannotOpen(path: path, reason: EvidenceDatabase.reason(error))
        }
    }

    static func checkSchema(_ db: Database, path: String) throws {
        let migrator = Migrations.migrator
        let applied = try migrator.appliedIdentifiers(db)
        let unknown = applied.subtracting(migrator.migrations)
        guard unknown.isEmpty else { throw StorageError.newerSchema(path: path, unknown: unknown.sorted()) }
        let missing = migrator.migrations.filter { !applied.contains($0) }
        guard missing.isEmpty else { throw StorageError.olderSchema(path: path, missing: missing) }
    }

    /// SQLite's own check of the file's structure (pages, indexes): a changed byte inside a
    /// record's JSON passes it, hence the checks after it.
    static func integrity(_ db: Database) -> [ScrubProblem] {
        do {
            let lines = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            return lines == ["ok"] ? [] : lines.map { ScrubProblem(seq: nil, recordID: nil, what: "SQLite integrity check: \($0)") }
        } catch {
            return [ScrubProblem(seq: nil, recordID: nil, what: "SQLite integrity check failed: \(EvidenceDatabase.reason(error))")]
        }
    }

    /// Every change, in order: no gap in the sequence, JSON that matches its hash and reads
    /// as a valid record, a known kind and status, a record it belongs to.
    static func changeLog(_ db: Database, into report: inout ScrubReport) -> [ScrubProblem] {
        var problems: [ScrubProblem] = []
        var expected: Int64 = 1
        do {
            let rows = try Row.fetchCursor(db, sql: """
                SELECT c.seq, c.record_id, c.kind, c.status, c.body, c.body_hash, r.id AS stored_record FROM changes c
                LEFT JOIN records r ON r.id = c.record_id ORDER BY c.seq
                """)
            while let row = try rows.next() {
                report.changes += 1
                do {
                    let seq: Int64 = try row.decode(forColumn: "seq"), recordID: Int64 = try row.decode(forColumn: "record_id")
                    func problem(_ what: String) { problems.append(ScrubProblem(seq: seq, recordID: recordID, what: what)) }
                    if seq != expected {
                        problems.append(ScrubProblem(seq: nil, recordID: nil, what: seq == expected + 1
                            ? "the change log has a gap: seq \(expected) is missing"
                            : "the change log has a gap: seq \(expected) to \(seq - 1) are missing"))
                    }
                    expected = seq + 1
                    report.head = seq
                    if ChangeKind(rawValue: try row.decode(forColumn: "kind")) == nil { problem("unknown change kind") }
                    if RecordStatus(rawValue: try row.decode(forColumn: "status")) == nil { problem("unknown record status") }
                    if (try row.decode(Int64?.self, forColumn: "stored_record")) == nil { problem("the change belongs to no stored record") }
                    let body: Data = try row.decode(forColumn: "body"), hash: Int64 = try row.decode(forColumn: "body_hash")
                    if ChangeIntegrity.hash(body) != hash {
                        problem(ChangeIntegrity.hashMismatch)
                    } else if let error = RecordIntake.evaluate(body).errors.first {
                        problem("the stored JSON does not read as a valid record (\(error))")
                    }
                } catch {
                    problems.append(ScrubProblem(seq: nil, recordID: nil,
                                                 what: "a change row after seq \(expected - 1) cannot be read: \(EvidenceDatabase.reason(error))"))
                }
            }
        } catch {
            problems.append(ScrubProblem(seq: nil, recordID: nil,
                                         what: "the change log cannot be read past seq \(expected - 1): \(EvidenceDatabase.reason(error))"))
        }
        return problems
    }

    /// Every record points at one of its own changes, and agrees with it on key and hash.
    static func recordHeads(_ db: Database, into report: inout ScrubReport) -> [ScrubProblem] {
        do {
            report.records = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM records") ?? 0
            let rows = try Row.fetchAll(db, sql: """
                SELECT r.id, r.head_seq, c.seq AS logged, c.record_id = r.id AS own, c.key = r.key AS same_key FROM records r
                LEFT JOIN changes c ON c.seq = r.head_seq
                WHERE c.seq IS NULL OR c.record_id != r.id OR c.key != r.key OR c.body_hash != r.hash ORDER BY r.id
                """)
            return try rows.map { row in
                let id: Int64 = try row.decode(forColumn: "id"), head: Int64 = try row.decode(forColumn: "head_seq")
                let what = if (try row.decode(Int64?.self, forColumn: "logged")) == nil {
                    "the record's current change (seq \(head)) is not in the log"
                } else if (try row.decode(Bool.self, forColumn: "own")) == false {
                    "the record's current change (seq \(head)) belongs to another record"
                } else if (try row.decode(Bool.self, forColumn: "same_key")) == false {
                    "the record's key differs from that of its current change (seq \(head))"
                } else {
                    "the record's hash differs from that of its current change (seq \(head))"
                }
                return ScrubProblem(seq: head, recordID: id, what: what)
            }
        } catch {
            return [ScrubProblem(seq: nil, recordID: nil, what: "the records cannot be read: \(EvidenceDatabase.reason(error))")]
        }
    }
}
