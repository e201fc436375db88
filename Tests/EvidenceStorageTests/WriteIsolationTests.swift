import EvidenceModel
import Foundation
import GRDB
import Testing
@testable import EvidenceStorage
import WireProtocol

@Suite("One record, or one request, never fails the group commit")
struct WriteIsolationTests {
    @Test("A record with the DOI of one stored record and the PMID of another is a conflict naming both; the rest commits")
    func identifierConflict() async throws {
        let store = try StoreFixture()
        let stored = try await store.commit(StoreFixture.write("first", [("doi:10.5555/a", "10.5555/a", nil, #"{"t":"A"}"#),
                                                                      ("pmid:2", nil, "2", #"{"t":"B"}"#)]))
        let (a, b) = try (store.results(stored[0])[0], store.results(stored[0])[1])

        let mixed = StoreFixture.write("second", [("doi:10.5555/c", "10.5555/c", nil, #"{"t":"C"}"#),
                                                  ("doi:10.5555/a", "10.5555/a", "2", #"{"t":"A and B"}"#)])
        let other = StoreFixture.write("third", [("doi:10.5555/d", "10.5555/d", nil, #"{"t":"D"}"#)])
        let outcomes = try await store.database.commit([mixed, other])
        let results = try store.results(outcomes[0])
        #expect(results.map(\.outcome) == [.accepted, .conflict])
        let message = try #require(results[1].errors?.first?.message)
        #expect(results[1].errors?.first?.field == "identifiers.pmid")
        for named in ["record \(a.id!) (doi:10.5555/a)", "record \(b.id!) (pmid:2)"] {
            #expect(message.contains(named), "\(message)")
        }
        #expect(try store.results(outcomes[1]).map(\.outcome) == [.accepted])
        #expect(try await store.database.counts().records == 4)
        #expect(try await store.database.record(.id(a.id!), history: false)?.current.header.version == 1, "A is unchanged")

        // A retry gets the same answer, byte for byte, and changes nothing.
        let retried = try await store.commit(mixed)
        #expect(retried[0].replayed)
        #expect(try retried[0].reply.get() == outcomes[0].reply.get())
    }

    @Test("A request that fails unexpectedly is rolled back alone and answered internal; the others in its group commit")
    func requestRolledBackAlone() async throws {
        let store = try StoreFixture()
        // Stands in for any failure the writer did not foresee, on one request's data only.
        try await store.database.pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER fail_one BEFORE INSERT ON records WHEN NEW.key = 'doi:10.5555/boom'
                BEGIN SELECT RAISE(ABORT, 'unforeseen failure'); END
                """)
        }
        let before = StoreFixture.write("before", [("doi:10.5555/1", "10.5555/1", nil, #"{"n":1}"#)])
        let failing = StoreFixture.write("failing", [("doi:10.5555/2", "10.5555/2", nil, #"{"n":2}"#),
                                                     ("doi:10.5555/boom", "10.5555/boom", nil, #"{"n":3}"#)])
        let after = StoreFixture.write("after", [("doi:10.5555/4", "10.5555/4", nil, #"{"n":4}"#)])
        let outcomes = try await store.database.commit([before, failing, after])

        guard case .failure(let error) = outcomes[1].reply else { Issue.record("expected the failing request to fail"); return }
        #expect(error.code == .internal && error.message.contains("unforeseen failure"), "\(error)")
        #expect(outcomes[1].changes.isEmpty)
        #expect(try store.results(outcomes[0]).map(\.seq) == [1])
        #expect(try store.results(outcomes[2]).map(\.seq) == [2], "no gap where the failed request's changes were rolled back")
        #expect(try await store.database.counts().records == 2, "record 10.5555/2 of the failed request was rolled back too")
        #expect(try await store.database.changes(after: 0, limit: 10).changes.map(\.header.seq) == [1, 2])

        // The failure was not remembered as the request's answer: once the cause is gone, a retry commits.
        try await store.database.pool.write { db in try db.execute(sql: "DROP TRIGGER fail_one") }
        let retried = try await store.commit(failing)
        #expect(!retried[0].replayed)
        #expect(try store.results(retried[0]).map(\.outcome) == [.accepted, .accepted])
    }
}
