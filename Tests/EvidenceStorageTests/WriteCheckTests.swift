import EvidenceModel
import Foundation
import Testing
@testable import EvidenceStorage
import WireProtocol

@Suite("The store checks what it commits: each record valid, canonical, and its write item its own")
struct WriteCheckTests {
    func problems(_ item: WriteItem, _ body: Data) -> [Problem] {
        guard case .failure(let rejection) = PreparedRecord.check(item, body: body) else { return [] }
        return rejection.problems
    }

    @Test("A valid canonical record passes; key, identifiers and hash are derived from the record")
    func valid() throws {
        let record = TestRecords.record(1)
        let prepared = try PreparedRecord.check(TestRecords.item(record), body: record.jsonData).get()
        #expect(prepared.identity == RecordIdentity(key: "doi:10.5555/storage.1", doi: "10.5555/storage.1", pmid: nil, nct: nil))
        #expect(prepared.hash == ChangeIntegrity.hash(record.jsonData))
    }

    @Test("Every record of the bundled dataset, as ingest writes it, passes the store's check (validation is idempotent)")
    func bundledDatasetPasses() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("data/ldn-evidence.jsonl")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        #expect(lines.count >= 20)
        for line in lines {
            let record = try #require(RecordIntake.evaluate(Data(line.utf8)).record)
            let checked = PreparedRecord.check(TestRecords.item(record), body: record.jsonData)
            if case .failure(let rejection) = checked { Issue.record("\(record.dedupKey): \(rejection.problems)") }
        }
    }

    @Test("An attachment that is not JSON, or not a valid record, is rejected with the record's own errors")
    func invalid() {
        let item = TestRecords.item(TestRecords.record(1))
        #expect(problems(item, Data("not json at all".utf8)).first?.message.contains("invalid JSON") == true)
        let noYear = Data(#"{"title":"SYNTHETIC no year","conditions":["ms"],"design":"rct"}"#.utf8)
        #expect(problems(item, noYear).map(\.field).contains("year"))
    }

    @Test("A valid record that is not in canonical form is rejected: followers read records as the store commits them")
    func notCanonical() {
        let record = TestRecords.record(1)
        var spaced = record.jsonData
        spaced.insert(UInt8(ascii: " "), at: 1)
        let found = problems(TestRecords.item(record), spaced)
        #expect(found.count == 1 && found[0].message.contains("not in canonical form"), "\(found)")
    }

    @Test("A write item whose key, identifiers or hash disagree with the record is rejected, naming each field")
    func itemDisagrees() {
        let record = TestRecords.record(1)
        var item = TestRecords.item(record)
        item.key = "doi:10.5555/storage.2"
        item.pmid = "12345"
        item.hash = "0000000000000000"
        let found = problems(item, record.jsonData)
        #expect(found.map(\.field) == ["key", "pmid", "hash"], "\(found)")
        #expect(found[0].message == #"the write item says "doi:10.5555/storage.2" but the record's is "doi:10.5555/storage.1""#)
    }

    @Test("A rejected record fails alone: its neighbours in the request are stored, and the reply says which is which")
    func failsAlone() async throws {
        let store = try StoreFixture()
        let good = [TestRecords.record(1), TestRecords.record(2)]
        let bodies = [good[0].jsonData, Data("{oops".utf8), good[1].jsonData]
        let items = [TestRecords.item(good[0]), TestRecords.item(good[0]), TestRecords.item(good[1])]
        let write = PendingWrite(requestID: "mixed", digest: Data("mixed".utf8),
                                 operation: .write(zip(items, bodies).map { PreparedRecord.check($0, body: $1) }))
        let outcome = try await store.commit(write)
        let results = try store.results(outcome[0])
        #expect(results.map(\.outcome) == [.accepted, .rejected, .accepted])
        #expect(results.map(\.index) == [0, 1, 2])
        #expect(results[1].errors?.isEmpty == false)
        #expect(try await store.database.counts().records == 2)
    }
}
