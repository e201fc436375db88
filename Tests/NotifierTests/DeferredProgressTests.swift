import WireProtocol
import Foundation
import Logging
import ServiceKit
import Testing
@testable import Notifier

@Suite("A stream watch's progress saved behind its deliveries")
struct DeferredProgressTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-deferred-\(UUID().uuidString)")

    func streamWatch(_ name: String) -> WatchStore.Watch {
        WatchStore.Watch(name: name, filter: EvidenceFilter(condition: "crohns"), stream: true, webhook: nil, secret: nil,
                         cursor: 0, delivered: 0, failures: 0, deadInARow: 0, paused: nil, rewinds: 0)
    }

    func progress(_ name: String, cursor: Int64, rewinds: Int = 0) -> ProgressWriter.Progress {
        ProgressWriter.Progress(watch: name, rewinds: rewinds, cursor: cursor, delivered: 1, failures: 0, deadInARow: 0)
    }

    @Test("Every posted batch counts once and the newest cursor is on disk once settled, however fast they come")
    func mergesAndSettles() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try WatchStore(directory: directory, sealer: try testSealer())
        #expect(try await store.add(streamWatch("synthetic-stream")))
        let deferred = DeferredProgress(writer: ProgressWriter(watches: store, logger: WebhookSenderTests.quiet, stats: ServiceStats()))
        for cursor in 1...500 { deferred.post(progress("synthetic-stream", cursor: Int64(cursor))) }
        await deferred.settle()
        let saved = try #require(try await store.watch("synthetic-stream"))
        #expect(saved.cursor == 500)
        #expect(saved.delivered == 500)
        #expect(deferred.takeProblem() == nil)
    }

    @Test("A save made stale by a replay is reported to the worker, once")
    func reportsStale() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try WatchStore(directory: directory, sealer: try testSealer())
        #expect(try await store.add(streamWatch("synthetic-replayed")))
        try await store.rewind("synthetic-replayed", to: 1)
        let deferred = DeferredProgress(writer: ProgressWriter(watches: store, logger: WebhookSenderTests.quiet, stats: ServiceStats()))
        deferred.post(progress("synthetic-replayed", cursor: 7, rewinds: 0))
        await deferred.settle()
        #expect(deferred.takeProblem() == .stale)
        #expect(deferred.takeProblem() == nil)
        #expect(try await store.watch("synthetic-replayed")?.cursor == 0, "the stale save changed nothing")
    }
}
