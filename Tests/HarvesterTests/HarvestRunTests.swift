import EvidenceFormats
import EvidenceModel
import Foundation
import Logging
import ServiceKit
import Synchronization
import TestHarness
import Testing
import WireProtocol
@testable import EvidenceStore
@testable import Harvester
@testable import Ingest

/// The run algorithm against a real ingest and a real store in process, with a real
/// `harvester.sqlite` in a temporary folder; only the source is scripted (see `ScriptedSource`).
@Suite("Harvester: a run", .timeLimit(.minutes(2)))
struct HarvestRunTests {
    /// A store and an ingest in process, and the harvester's database folder.
    struct Set: Sendable {
        let ingest: String
        let store: String
        let data: URL

        func harvestStore() throws -> HarvestStore { try HarvestStore(directory: data) }

        func runner(_ store: HarvestStore, _ source: ScriptedSource, submit: HarvestRunner.Submit? = nil, pauseAfter: Int = 3,
                    batchSize: Int = 4, today: String = "2026-11-30") -> HarvestRunner {
            let ingest = ingest
            var runner = HarvestRunner(store: store, source: { _ in source },
                                       submit: submit ?? { try await request(ingest, $0) }, progress: ProgressBoard(),
                                       stats: ServiceStats(), logger: Logger(label: "test"), pauseAfter: pauseAfter)
            runner.batchSize = batchSize
            let time = today.contains("T") ? today : "\(today)T12:00:00Z"  // a day, or a time on it
            runner.now = { ISO8601DateFormatter().date(from: time)! }
            return runner
        }

        /// The store's head: how many changes it has committed.
        func head() async throws -> Int64 { try await status(store).sequence?.head ?? -1 }

        func record(pmid: String) async throws -> GetReply {
            try await request(store, Request(type: MessageType.get, id: UUID().uuidString, body: GetRequest(pmid: pmid, history: true)))
                .decode(GetReply.self)
        }
    }

    static func withSet(_ body: (Set) async throws -> Void) async throws {
        try await withStoreAndIngest { layout in
            try await body(Set(ingest: layout.ingest, store: layout.store, data: layout.dataRoot.appendingPathComponent("harvester")))
        }
    }

    static func search(_ name: String = "ldn", source: HarvestSourceKind = .pubmed, cursor: String? = nil) -> HarvestStore.Search {
        HarvestStore.Search(name: name, query: SearchQuery(source: source, term: "low dose naltrexone", condition: nil), interval: 86_400,
                            createdAt: Date(), cursor: cursor, dataVersion: nil, nextRunAt: Date(), failuresInARow: 0, paused: nil,
                            lastRun: nil)
    }

    @Test("A first run submits every record with provenance naming the search, the source and its id; the next run covers from the cursor day and submits only the new ids")
    func firstThenIncremental() async throws {
        try await Self.withSet { set in
            let store = try set.harvestStore()
            #expect(try await store.add(Self.search()))
            let source = ScriptedSource(.init(items: { window in
                HarvestSamples.items(0..<(window.from == nil ? 10 : 14))
            }))
            let first = try await set.runner(store, source, today: "2026-11-29").run(try #require(try await store.search("ldn")))
            guard case .complete(let summary) = first else { Issue.record("first run: \(first)"); return }
            #expect(summary.found == 10 && summary.new == 10 && summary.duplicates == 0 && summary.errors == 0)
            #expect(try await set.head() == 10)
            let saved = try #require(try await store.search("ldn"))
            #expect(saved.cursor == "2026-11-29")
            #expect(try await store.run("ldn") == nil)

            let stored = try await set.record(pmid: HarvestSamples.items(0..<1)[0].sourceID)
            let provenance = try #require(stored.current.provenance)
            #expect(provenance.harvest == HarvestProvenance(search: "ldn", source: .pubmed, id: HarvestSamples.items(0..<1)[0].sourceID))
            #expect(provenance.submittedBy == "harvester:ldn")

            let second = try await set.runner(store, source, today: "2026-11-30").run(saved)
            guard case .complete(let again) = second else { Issue.record("second run: \(second)"); return }
            #expect(source.fetched.last == HarvestWindow(from: "2026-11-29", through: "2026-11-30"))
            #expect(again.found == 14 && again.new == 4 && again.duplicates == 0, "\(again)")
            #expect(try await set.head() == 14)
            #expect(try await store.seenCounts()["ldn"] == 14)
        }
    }

    @Test("A batch ingest stored but whose answer was lost, then a restart: the run resumes with the same window, sends that batch again under its id, and every record is stored once")
    func lostAnswerThenRestart() async throws {
        try await Self.withSet { set in
            let source = ScriptedSource(.init(items: { _ in HarvestSamples.items(0..<12) }))
            let sentIDs = Mutex<[String]>([])
            let ingest = set.ingest
            // Ingest takes batch 2, then the harvester "dies" before it hears the answer.
            let dying: HarvestRunner.Submit = { request in
                sentIDs.withLock { $0.append(request.id) }
                let reply = try await TestHarness.request(ingest, request)
                if request.id.hasSuffix("-2") { throw ErrorBody(code: .unavailable, message: "the harvester was killed") }
                return reply
            }
            do {
                let store = try set.harvestStore()
                #expect(try await store.add(Self.search()))
                let outcome = try await set.runner(store, source, submit: dying).run(try #require(try await store.search("ldn")))
                guard case .failed(let summary, paused: false) = outcome else { Issue.record("\(outcome)"); return }
                #expect(summary.error?.contains("killed") == true)
                #expect(try await store.search("ldn")?.cursor == nil)
            }
            #expect(try await set.head() == 5, "page 1: batch 1 (4 records) and batch 2 (1), both stored")

            // A new process: the database opened afresh.
            let store = try set.harvestStore()
            let run = try #require(try await store.run("ldn"))
            #expect(run.window == HarvestWindow(from: nil, through: "2026-11-30"))
            #expect(try await store.pendingBatches("ldn").map(\.number) == [2])
            let recording: HarvestRunner.Submit = { request in
                sentIDs.withLock { $0.append(request.id) }
                return try await TestHarness.request(ingest, request)
            }
            let outcome = try await set.runner(store, source, submit: recording).run(try #require(try await store.search("ldn")))
            guard case .complete(let summary) = outcome else { Issue.record("\(outcome)"); return }
            #expect(summary.found == 12)
            #expect(try await set.head() == 12, "every record stored once: no second version of any")
            #expect(try await store.seenCounts()["ldn"] == 12)
            let ids = sentIDs.withLock { $0 }
            let prefix = HarvestRunner.requestID("ldn", run.window, startedAt: run.startedAt, batch: 0).dropLast()
            #expect(prefix.hasPrefix("harvest-ldn-start..2026-11-30-r"))
            #expect(ids == ["1", "2", "2", "3", "4", "5"].map { "\(prefix)\($0)" },
                    "batch 2 again under its id, then the rest of the window in new batches")
            #expect(try await store.pendingBatches("ldn").isEmpty)
        }
    }

    @Test("Two runs of the same window (twice on one day) send new records under new request ids: no id is reused for other content")
    func sameWindowTwice() async throws {
        try await Self.withSet { set in
            let store = try set.harvestStore()
            #expect(try await store.add(Self.search(cursor: "2026-11-30")))
            let source = ScriptedSource(.init(items: { _ in HarvestSamples.items(0..<3) }))
            #expect(try await set.runner(store, source, today: "2026-11-30T06:00:00Z").run(try #require(try await store.search("ldn"))).isComplete)
            source.change { $0.items = { _ in HarvestSamples.items(0..<5) } }
            let again = try await set.runner(store, source, today: "2026-11-30T18:00:00Z").run(try #require(try await store.search("ldn")))
            guard case .complete(let summary) = again else { Issue.record("\(again)"); return }
            #expect(source.fetched == [HarvestWindow(from: "2026-11-30", through: "2026-11-30"),
                                       HarvestWindow(from: "2026-11-30", through: "2026-11-30")])
            #expect(summary.new == 2 && summary.errors == 0, "\(summary)")
            #expect(try await set.head() == 5)
        }
    }

    @Test("A malformed answer pauses the search at once with the reason; its cursor and saved batches stay")
    func malformedPauses() async throws {
        try await Self.withSet { set in
            let store = try set.harvestStore()
            #expect(try await store.add(Self.search(cursor: "2026-11-01")))
            let source = ScriptedSource(.init(items: { _ in HarvestSamples.items(0..<10) },
                                              failAtPage: (1, .malformed(request: "efetch", reason: "unexpected end of XML at line 3"))))
            let outcome = try await set.runner(store, source).run(try #require(try await store.search("ldn")))
            guard case .failed(_, paused: true) = outcome else { Issue.record("\(outcome)"); return }
            let search = try #require(try await store.search("ldn"))
            #expect(search.paused?.contains("unexpected end of XML") == true)
            #expect(search.cursor == "2026-11-01")
            #expect(search.failuresInARow == 1)
            #expect(try await store.run("ldn")?.window == HarvestWindow(from: "2026-11-01", through: "2026-11-30"))
            #expect(try await set.head() == 5, "the first page went in before the failure")
        }
    }

    @Test("A source unavailable run after run pauses the search after --pause-after failures, with the last reason")
    func unavailablePausesAfterRepeatedFailures() async throws {
        try await Self.withSet { set in
            let store = try set.harvestStore()
            #expect(try await store.add(Self.search()))
            let source = ScriptedSource(.init(items: { _ in HarvestSamples.items(0..<3) },
                                              failAtPage: (0, .unavailable(request: "esearch", reason: "HTTP 503", attempts: 5))))
            let runner = set.runner(store, source, pauseAfter: 2)
            let first = try await runner.run(try #require(try await store.search("ldn")))
            #expect(first.isFailed(paused: false))
            #expect(try await store.search("ldn")?.paused == nil)
            let second = try await runner.run(try #require(try await store.search("ldn")))
            #expect(second.isFailed(paused: true))
            let search = try #require(try await store.search("ldn"))
            #expect(search.paused?.contains("2 failed runs in a row") == true && search.paused?.contains("HTTP 503") == true)
            #expect(search.lastRun?.outcome == "failed")

            // Resumed, with the source back: the run completes and failures are forgotten.
            try await store.setPaused("ldn", reason: nil)
            source.change { $0.failAtPage = nil }
            let third = try await runner.run(try #require(try await store.search("ldn")))
            guard case .complete(let summary) = third else { Issue.record("\(third)"); return }
            #expect(summary.new == 3)
            #expect(try await store.search("ldn")?.failuresInARow == 0)
        }
    }

    @Test("ClinicalTrials.gov's data unchanged since the last complete run: the run is skipped")
    func unchangedDataIsSkipped() async throws {
        try await Self.withSet { set in
            let store = try set.harvestStore()
            #expect(try await store.add(Self.search(source: .ctgov)))
            let source = ScriptedSource(.init(items: { _ in HarvestSamples.items(0..<2) }, version: "2026-11-28T09:00:00"))
            let runner = set.runner(store, source)
            #expect(try await runner.run(try #require(try await store.search("ldn"))).isComplete)
            let skipped = try await runner.run(try #require(try await store.search("ldn")))
            guard case .skipped = skipped else { Issue.record("\(skipped)"); return }
            #expect(source.fetched.count == 1)
            source.change { $0.version = "2026-11-30T09:00:00" }
            #expect(try await runner.run(try #require(try await store.search("ldn"))).isComplete)
            #expect(source.fetched.count == 2)
        }
    }

    @Test("An incomplete record goes in as needs-review; one with problems is not sent and counts as rejected")
    func needsReviewAndUnsendable() async throws {
        try await Self.withSet { set in
            let store = try set.harvestStore()
            #expect(try await store.add(Self.search()))
            var partial = HarvestSamples.items(0..<1)[0]
            var record = partial.record
            record.provenance.unresolved = ["design: not stated in the abstract; set to other"]
            partial = HarvestedItem(key: partial.key, sourceID: partial.sourceID, record: record)
            var broken = HarvestSamples.items(1..<2)[0]
            var bad = broken.record
            bad.problems = [Problem(field: "title", message: "missing")]
            broken = HarvestedItem(key: broken.key, sourceID: broken.sourceID, record: bad)
            let items = [partial, broken]
            let source = ScriptedSource(.init(items: { _ in items }))
            let outcome = try await set.runner(store, source).run(try #require(try await store.search("ldn")))
            guard case .complete(let summary) = outcome else { Issue.record("\(outcome)"); return }
            #expect(summary.new == 1 && summary.needsReview == 1 && summary.rejected == 1, "\(summary)")
            #expect(try await set.head() == 1)
            #expect(try await set.record(pmid: partial.sourceID).current.status == .needsReview)
        }
    }
}

extension HarvestRunner.Outcome {
    var isComplete: Bool {
        if case .complete = self { return true }
        return false
    }

    func isFailed(paused: Bool) -> Bool {
        if case .failed(_, let wasPaused) = self { return wasPaused == paused }
        return false
    }
}
