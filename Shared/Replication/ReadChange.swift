import EvidenceModel
import Foundation
import ServiceKit
import WireProtocol

/// A change with its record read (and checked) once: reading is the costly part of applying
/// a change to a replica or testing it against every watch, so it is done outside any write
/// transaction or lock, and only once.
///
/// A follower trusts nothing it is served, not even by the store: a change whose record does
/// not read as a valid record carries the `problem`, and followers skip it (a replica
/// quarantines it) instead of applying it, crashing, or retrying it forever.
public struct ReadChange: Sendable {
    public let header: ChangeHeader
    public let body: Data
    /// The record, checked as ingest checks it; nil exactly when `problem` is set.
    public let record: EvidenceRecord?
    /// Why this change cannot be applied, for logs, status and a replica's quarantine: the
    /// store marked it damaged, its header did not read, or its body is not a valid record.
    public let problem: String?
    /// False for a placeholder standing for a change whose header did not read: only
    /// `header.seq` is known (`record_id` 0, empty key).
    public let headerRead: Bool

    public init(_ change: FeedChange) {
        header = change.header
        body = change.body
        headerRead = true
        if let damage = change.header.damaged {
            record = nil
            problem = "the store marked it damaged: \(damage)"
            return
        }
        let evaluation = RecordIntake.evaluate(change.body)
        record = evaluation.record
        problem = evaluation.record == nil ? Self.describe(evaluation.errors) : nil
    }

    private init(placeholderFor seq: Int64, body: Data, problem: String) {
        header = ChangeHeader(seq: seq, kind: .insert, recordID: 0, key: "", version: 0, status: .active,
                              committedAt: Date(timeIntervalSince1970: 0))
        self.body = body
        record = nil
        self.problem = problem
        headerRead = false
    }

    /// Stands for the change at `seq` whose header the store served could not be read.
    public static func unreadable(seq: Int64, body: Data = Data(), problem: String) -> ReadChange {
        ReadChange(placeholderFor: seq, body: body, problem: problem)
    }

    /// The first few errors, in one line: enough for an operator to see what is wrong.
    static func describe(_ errors: [Problem]) -> String {
        let shown = errors.prefix(3).map { String($0.description.prefix(200)) }.joined(separator: "; ")
        let more = errors.count > 3 ? " (and \(errors.count - 3) more)" : ""
        return "not a valid record: " + (shown.isEmpty ? "no reason given" : shown) + more
    }

    /// Reads changes on all cores, in order: reading is the costly part, and it happens
    /// outside any write transaction.
    public static func readAll(_ changes: [FeedChange]) async -> [ReadChange] {
        guard changes.count > 64 else { return changes.map(ReadChange.init) }
        let chunk = max(64, changes.count / ProcessInfo.processInfo.activeProcessorCount + 1)
        return await withTaskGroup(of: (Int, [ReadChange]).self) { group in
            for start in stride(from: 0, to: changes.count, by: chunk) {
                let slice = Array(changes[start..<min(start + chunk, changes.count)])
                group.addTask { (start, slice.map(ReadChange.init)) }
            }
            var parts: [(Int, [ReadChange])] = []
            for await part in group { parts.append(part) }
            return parts.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
    }
}
