import Foundation
import GRDB
import TestHarness
import Testing
@testable import EvidenceStorage
import WireProtocol

@Suite("Evidence store database: dedup, versions, idempotency, change log")
struct EvidenceDatabaseTests {
    @Test("New records are accepted; the same content again is a duplicate; changed content is version 2")
    func dedupAndVersions() async throws {
        let store = try StoreFixture()
        let first = try await store.commit(StoreFixture.write("r1", [("doi:10.1/a", "10.1/a", nil, #"{"t":"A"}"#),
                                                                  ("doi:10.1/b", "10.1/b", nil, #"{"t":"B"}"#)]))
        #expect(try store.results(first[0]).map(\.outcome) == [.accepted, .accepted])
        #expect(first[0].changes.map(\.header.seq) == [1, 2])

        let again = try await store.commit(StoreFixture.write("r2", [("doi:10.1/a", "10.1/a", nil, #"{"t":"A"}"#),
                                                                  ("doi:10.1/b", "10.1/b", nil, #"{"t":"B2"}"#)]))
        let results = try store.results(again[0])
        #expect(results.map(\.outcome) == [.duplicate, .updated])
        let firstID = try store.results(first[0])[1].id
        #expect(results[1].version == 2 && results[1].seq == 3 && results[1].id == firstID)
        #expect(again[0].changes.count == 1, "a duplicate changes nothing")

        let found = try #require(try await store.database.record(.doi("10.1/b"), history: true))
        #expect(found.current.header.version == 2)
        #expect(String(decoding: found.current.body, as: UTF8.self) == #"{"t":"B2"}"#)
        #expect(found.history.map(\.header.kind) == [.insert, .update])
        #expect(found.history.map { String(decoding: $0.body, as: UTF8.self) } == [#"{"t":"B"}"#, #"{"t":"B2"}"#])
    }

    @Test("A repeated request id returns the original reply byte for byte and writes nothing, also after a restart")
    func idempotentRequests() async throws {
        let store = try StoreFixture()
        let write = StoreFixture.write("same-id", [("pmid:1", nil, "1", #"{"t":"one"}"#)])
        let original = try await store.commit(write)
        let retried = try await store.commit(write)
        #expect(retried[0].replayed && retried[0].changes.isEmpty)
        #expect(try retried[0].reply.get() == original[0].reply.get())

        try store.reopen()
        let afterRestart = try await store.commit(write)
        #expect(afterRestart[0].replayed)
        #expect(try afterRestart[0].reply.get() == original[0].reply.get())
        #expect(try await store.database.counts().changes == 1)
    }

    @Test("Within one group commit, a retry of a request and a repeat of a record are recognised")
    func sameBatch() async throws {
        let store = try StoreFixture()
        let write = StoreFixture.write("dup", [("pmid:7", nil, "7", "{}"), ("pmid:7", nil, "7", "{}")])
        let outcomes = try await store.database.commit([write, write])
        #expect(try store.results(outcomes[0]).map(\.outcome) == [.accepted, .duplicate])
        #expect(outcomes[1].replayed)
        #expect(try await store.database.counts().records == 1)
    }

    @Test("A study first stored by PMID and later sent with its DOI is one record, found by either")
    func identifierMerge() async throws {
        let store = try StoreFixture()
        _ = try await store.commit(StoreFixture.write("a", [("pmid:21380937", nil, "21380937", #"{"v":1}"#)]))
        let later = try await store.commit(StoreFixture.write("b", [("doi:10.1007/x", "10.1007/x", "21380937", #"{"v":2}"#)]))
        #expect(try store.results(later[0]).first?.outcome == .updated)
        let byDOI = try #require(try await store.database.record(.doi("10.1007/x"), history: false))
        let byPMID = try #require(try await store.database.record(.pmid("21380937"), history: false))
        #expect(byDOI.current.header.recordID == byPMID.current.header.recordID)
        #expect(byDOI.current.header.key == "doi:10.1007/x", "the record keeps its strongest key")
        let pmidOnlyAgain = try await store.commit(StoreFixture.write("c", [("pmid:21380937", nil, "21380937", #"{"v":2}"#)]))
        #expect(try store.results(pmidOnlyAgain[0]).first?.outcome == .duplicate)
        #expect(try await store.database.counts().records == 1)
    }

    @Test("Retraction keeps the record with a reason; retracting twice changes nothing; unknown ids are not found")
    func retraction() async throws {
        let store = try StoreFixture()
        let stored = try await store.commit(StoreFixture.write("w", [("pmid:5", nil, "5", #"{"x":1}"#)]))
        let id = try #require(try store.results(stored[0]).first?.id)
        let retract = try await store.commit(StoreFixture.retract("x1", record: id, reason: "journal retraction"))
        let reply = try WireJSON.decode(RetractReply.self, from: retract[0].reply.get())
        #expect(reply.changed && reply.change.status == .retracted && reply.change.reason == "journal retraction")
        #expect(retract[0].changes.first?.header.kind == .retract)

        let twice = try await store.commit(StoreFixture.retract("x2", record: id, reason: "again"))
        #expect(try !WireJSON.decode(RetractReply.self, from: twice[0].reply.get()).changed)
        #expect(twice[0].changes.isEmpty)

        let missing = try await store.commit(StoreFixture.retract("x3", record: 999, reason: "nope"))
        guard case .failure(let error) = missing[0].reply else { Issue.record("expected not_found"); return }
        #expect(error.code == .notFound)
        let current = try #require(try await store.database.record(.id(id), history: false))
        #expect(current.current.header.status == .retracted)
    }

    @Test("Changes come in sequence order, a page at a time; a snapshot page is consistent at its head")
    func changeLogAndSnapshot() async throws {
        let store = try StoreFixture()
        let records = (1...25).map { ("pmid:\($0)", String?.none, String?.some("\($0)"), #"{"n":\#($0)}"#) }
        _ = try await store.commit(StoreFixture.write("bulk", records))
        _ = try await store.commit(StoreFixture.write("upd", [("pmid:3", nil, "3", #"{"n":"3b"}"#)]))

        let firstPage = try await store.database.changes(after: 0, limit: 10)
        #expect(firstPage.changes.map(\.header.seq) == Array(1...10))
        #expect(firstPage.head == 26)
        let lastPage = try await store.database.changes(after: 20, limit: 10)
        #expect(lastPage.changes.map(\.header.seq) == Array(21...26))

        let snapshot = try await store.database.snapshot(afterID: 0, limit: 100)
        #expect(snapshot.records.count == 25 && snapshot.head == 26)
        let third = try #require(snapshot.records.first { $0.header.key == "pmid:3" })
        #expect(third.header.version == 2 && String(decoding: third.body, as: UTF8.self) == #"{"n":"3b"}"#)
        let paged = try await store.database.snapshot(afterID: 20, limit: 100)
        #expect(paged.records.map(\.header.recordID) == Array(21...25))
    }

    @Test("Old request ids are pruned")
    func pruning() async throws {
        let store = try StoreFixture()
        _ = try await store.commit(StoreFixture.write("old", [("pmid:9", nil, "9", "{}")]))
        #expect(try await store.database.pruneRequests(olderThan: .seconds(3600)) == 0)
        #expect(try await store.database.pruneRequests(olderThan: .seconds(-1)) == 1)
    }
}

@Suite("Evidence store database: refuses to start rather than start wrong")
struct StartupFailureTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("A file that is not a database")
    func corrupt() throws {
        let directory = try temporaryDirectory()
        try Data(repeating: 0x42, count: 8192).write(to: directory.appendingPathComponent(EvidenceDatabase.fileName))
        let error = #expect(throws: StorageError.self) { try EvidenceDatabase(directory: directory) }
        #expect(error?.description.contains("file is not a database") == true, "\(String(describing: error))")
    }

    @Test("A read-only data directory")
    func readOnly() throws {
        let readOnly = try ReadOnlyDirectory()
        let error = #expect(throws: StorageError.self) { try EvidenceDatabase(directory: readOnly.url) }
        #expect(error?.description.contains("is not writable") == true, "\(String(describing: error))")
    }

    @Test("A data directory another store holds")
    func locked() throws {
        let directory = try temporaryDirectory()
        let first = try EvidenceDatabase(directory: directory)
        let error = #expect(throws: StorageError.self) { try EvidenceDatabase(directory: directory) }
        #expect(error?.description.contains("in use by another evidence-store") == true)
        withExtendedLifetime(first) {}
    }

    @Test("A schema written by a newer release")
    func newerSchema() throws {
        let directory = try temporaryDirectory()
        do {
            let database = try EvidenceDatabase(directory: directory)
            try database.pool.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99')") }
        }
        let error = #expect(throws: StorageError.self) { try EvidenceDatabase(directory: directory) }
        #expect(error?.description.contains("newer evidence-store (unknown migrations: v99)") == true, "\(String(describing: error))")
    }
}
