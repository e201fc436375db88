import Foundation
import GRDB
import Testing
@testable import EvidenceStorage
import WireProtocol

@Suite("Idempotency by request id and content")
struct RequestDigestTests {
    @Test("A request id reused for other content is refused, naming the id; the original reply stays")
    func reusedForOtherContent() async throws {
        let store = try StoreFixture()
        let original = try await store.commit(StoreFixture.write("batch-1", [("doi:10.5555/x", "10.5555/x", nil, #"{"v":1}"#)]))
        let edited = try await store.commit(StoreFixture.write("batch-1", [("doi:10.5555/x", "10.5555/x", nil, #"{"v":2}"#)]))
        guard case .failure(let error) = edited[0].reply else { Issue.record("expected the reuse to be refused"); return }
        #expect(error.code == .invalidRequest)
        #expect(error.message.contains("\"batch-1\"") && error.message.contains("different content"), "\(error.message)")
        #expect(try await store.database.record(.doi("10.5555/x"), history: false)?.current.header.version == 1)

        let repeated = try await store.commit(StoreFixture.write("batch-1", [("doi:10.5555/x", "10.5555/x", nil, #"{"v":1}"#)]))
        #expect(repeated[0].replayed)
        #expect(try repeated[0].reply.get() == original[0].reply.get())
    }

    @Test("A request answered before digests were kept is replayed by its id alone")
    func answeredBeforeDigests() async throws {
        let store = try StoreFixture()
        let original = try await store.commit(StoreFixture.write("old", [("doi:10.5555/y", "10.5555/y", nil, #"{"v":1}"#)]))
        try await store.database.pool.write { db in try db.execute(sql: "UPDATE requests SET digest = NULL") }
        let again = try await store.commit(StoreFixture.write("old", [("doi:10.5555/y", "10.5555/y", nil, #"{"v":2}"#)]))
        #expect(again[0].replayed)
        #expect(try again[0].reply.get() == original[0].reply.get())
    }
}
