import EvidenceModel
import Foundation
import GRDB
import TestHarness
import Testing
import WireProtocol
@testable import Harvester

/// `harvester.sqlite`: its schema, and what survives closing and opening it again (a restart).
@Suite("Harvester: its database")
struct HarvestStoreTests {
    @Test("A fresh file gets every migration; searches, seen keys, a run's window and its unanswered batches survive a reopen")
    func survivesReopen() async throws {
        let folder = try temporaryDirectory()
        do {
            let store = try HarvestStore(directory: folder)
            #expect(try await store.add(HarvestRunTests.search("ldn")))
            #expect(try await !store.add(HarvestRunTests.search("ldn")), "a name is taken once")
            _ = try await store.startRun("ldn", window: HarvestWindow(from: "2026-11-01", through: "2026-11-30"), at: Date())
            let items = HarvestSamples.items(0..<3).map {
                HarvestStore.BatchItem(key: $0.key, record: $0.record.json,
                                       provenance: Provenance(submittedBy: "harvester:ldn", harvest: HarvestProvenance(search: "ldn", source: .pubmed, id: $0.sourceID)))
            }
            let first = try await store.saveBatch("ldn", items: Array(items[0..<2])) { "id-\($0)" }
            _ = try await store.saveBatch("ldn", items: [items[2]]) { "id-\($0)" }
            try await store.recordBatch("ldn", number: first.number, outcomes: items[0..<2].map { ($0.key, "accepted") },
                                        counts: .init(new: 2))
        }
        let store = try HarvestStore(directory: folder)
        let path = store.path
        let applied = try await DatabaseQueue(path: path).read { try HarvestMigrations.migrator.appliedMigrations($0) }
        #expect(applied == ["v1"])
        let run = try #require(try await store.run("ldn"))
        #expect(run.window == HarvestWindow(from: "2026-11-01", through: "2026-11-30") && run.batches == 2 && run.counts.new == 2)
        let pending = try await store.pendingBatches("ldn")
        #expect(pending.map(\.number) == [2] && pending.first?.requestID == "id-2")
        #expect(pending.first?.items.first?.provenance.harvest?.search == "ldn", "provenance kept with its harvest member")
        let keys = HarvestSamples.items(0..<4).map(\.key)
        #expect(try await store.unseen("ldn", among: keys) == [keys[3]], "seen and pending keys are both skipped")
        #expect(try await store.seenCounts()["ldn"] == 2)

        #expect(try await store.remove("ldn"))
        #expect(try await store.run("ldn") == nil)
        #expect(try await store.pendingBatches("ldn").isEmpty)
        #expect(try await store.seenCounts().isEmpty)
    }
}

@Suite("Provenance's harvest member")
struct HarvestProvenanceTests {
    @Test("Written and read back; strict decoding (a client's submit) refuses an unknown member inside it, lenient decoding (the change feed) keeps going")
    func strictAndLenient() throws {
        let provenance = Provenance(submittedBy: "harvester:ldn", unresolved: ["design: unknown"],
                                    harvest: HarvestProvenance(search: "ldn", source: .ctgov, id: "NCT01234567"))
        let json = String(decoding: provenance.jsonData, as: UTF8.self)
        #expect(json.contains(#""harvest":{"search":"ldn","source":"ctgov","id":"NCT01234567"}"#), "\(json)")
        #expect(try WireJSON.decode(Provenance.self, from: provenance.jsonData) == provenance)

        let extended = Data(#"{"harvest":{"search":"ldn","source":"pubmed","id":"1","page":3}}"#.utf8)
        let parsed = try JSONParser.parse(extended)
        #expect(throws: JSONShapeError.self) { try Provenance(json: parsed, strict: true) }
        #expect(try Provenance(json: parsed, strict: false).harvest?.id == "1")
        #expect(throws: JSONShapeError.self) {
            try Provenance(json: try JSONParser.parse(Data(#"{"harvest":{"search":"ldn","source":"embase","id":"1"}}"#.utf8)))
        }
    }
}
