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
    func reopen() throws {
        database = nil  // releases the directory lock first
        database = try EvidenceDatabase(directory: directory)
    }

    /// A write request for records given as (key, doi, pmid, body) with made-up content.
    static func write(_ id: String, _ records: [(key: String, doi: String?, pmid: String?, body: String)]) -> PendingWrite {
        let bodies = records.map { Data($0.body.utf8) }
        let items = zip(records, bodies).map { record, body in
            WriteItem(key: record.key, doi: record.doi, pmid: record.pmid, nct: nil, hash: ContentHash.fnv1a64(body),
                      provenance: Provenance(sourceFile: "test.jsonl"))
        }
        return PendingWrite(requestID: id, operation: .write(zip(items, bodies).map { PreparedRecord(item: $0, body: $1) }))
    }

    func commit(_ writes: PendingWrite...) async throws -> [WriteOutcome] {
        try await database.commit(writes)
    }

    func results(_ outcome: WriteOutcome) throws -> [RecordResult] {
        try WireJSON.decode(WriteReply.self, from: outcome.reply.get()).results
    }
}
