import EvidenceModel
import Foundation
import SyntheticData
import TestHarness
import Testing
import WireProtocol
@testable import EvidenceStore

/// `makeStore`, what `ldn-evidence-store` runs, run inside the test process.
@Suite("The store's builder, in process", .timeLimit(.minutes(1)))
struct StoreBuilderTests {
    @Test("It answers status, commits a write and returns the record; after a graceful shutdown its folder opens again with the record in it")
    func writeShutDownReopen() async throws {
        let layout = try ServiceLayout()
        defer { layout.removeData() }
        let (bind, options) = (layout.store, try StoreOptions.parse(layout.arguments("evidence-store")))
        let record = try #require(RecordIntake.evaluate(SyntheticRecords.record(1).jsonData).record)

        let id = try await withService("evidence-store", build: { try await makeStore(options, $0) }) { _ in
            let before = try await status(bind)
            #expect(before.service == "evidence-store")
            #expect(before.sequence?.head == 0)
            let result = try #require(try await write([record], to: bind).results.first)
            #expect(result.outcome == .accepted)
            return try #require(result.id)
        }
        // The first store released its lock on the database: a second one opens the same folder.
        try await withService("evidence-store", build: { try await makeStore(options, $0) }) { _ in
            let reply = try await request(bind, Request(type: MessageType.get, id: UUID().uuidString, body: GetRequest(id: id)))
            #expect(try reply.decode(GetReply.self).current.key == record.dedupKey)
            #expect(reply.attachments.first == record.jsonData)
            #expect(try await status(bind).sequence?.head == 1)
        }
    }
}
