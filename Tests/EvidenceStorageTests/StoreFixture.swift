import Foundation
import GRDB
@testable import EvidenceStorage
import WireProtocol

/// A store database in a fresh temporary folder, removed afterwards.
final class StoreFixture {
    let directory: URL
    var database: EvidenceDatabase!

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-store-\(UUID().uuidString)")
        database = try EvidenceDatabase(directory: directory)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Closes and opens the database again, as a restarted store would.
    ///
    /// The directory lock goes with the last reference to the old database, and a write the
    /// test awaited can still hold one for a moment (its completion closure has resumed the
    /// test but not yet returned; seen once on a busy machine). So opening is retried, for at
    /// most 5 s, while the directory is still locked: a process that exits has no such wait.
    func reopen() throws {
        database = nil
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            do {
                database = try EvidenceDatabase(directory: directory)
                return
            } catch StorageError.directoryInUse where ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
    }

    /// A write request for records given as (key, doi, pmid, body) with made-up content, as the
    /// writer gets them once checked. The digest stands for the request's content.
    static func write(_ id: String, _ records: [(key: String, doi: String?, pmid: String?, body: String)]) -> PendingWrite {
        let prepared = records.map { record in
            PreparedRecord(identity: RecordIdentity(key: record.key, doi: record.doi, pmid: record.pmid, nct: nil),
                           body: Data(record.body.utf8), provenance: Provenance(sourceFile: "test.jsonl"))
        }
        let content = records.map { "\($0.key)|\($0.doi ?? "")|\($0.pmid ?? "")|\($0.body)" }.joined(separator: "\n")
        return PendingWrite(requestID: id, digest: Data(ContentHash.fnv1a64(Data(content.utf8)).utf8),
                            operation: .write(prepared.map { .success($0) }))
    }

    /// A retraction request.
    static func retract(_ id: String, record: Int64, reason: String) -> PendingWrite {
        PendingWrite(requestID: id, digest: Data("retract \(record) \(reason)".utf8), operation: .retract(id: record, reason: reason))
    }

    func commit(_ writes: PendingWrite...) async throws -> [WriteOutcome] {
        try await database.commit(writes)
    }

    func results(_ outcome: WriteOutcome) throws -> [RecordResult] {
        try WireJSON.decode(WriteReply.self, from: outcome.reply.get()).results
    }
}
