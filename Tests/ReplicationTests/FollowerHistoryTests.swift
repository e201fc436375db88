import Foundation
import TestHarness
import Testing
@testable import Replication

/// A store restored from a backup has another history: its id changes, its head may go back.
/// A follower must notice either, say so, and resynchronise, never mixing the two histories.
@Suite("FeedFollower: a store whose history changed", .serialized)
struct FollowerHistoryTests {
    @Test("Another store id, even once the head has grown past the position, makes the sink resynchronise; a missing id is no change",
          .timeLimit(.minutes(1)))
    func anotherStoreID() async throws {
        let (store, running) = try await Self.followingThreeChanges()
        let (sink, runtime) = (running.sink, running.runtime)
        #expect(sink.history.withLock { $0.storeID } == nil)

        store.name("aaaa1111")
        try await eventually("the id is adopted once the store names one") { sink.history.withLock { $0.storeID } == "aaaa1111" }
        #expect(sink.history.withLock { $0.resyncs.isEmpty }, "a store naming its id for the first time is not a restore")

        store.restore(to: 2, storeID: "bbbb2222")
        for seq in Int64(3)...6 { store.commit(seq: seq, header: header(seq), body: syntheticRecord) }
        try await eventually("resynchronised with the restored store") { sink.history.withLock { $0.storeID } == "bbbb2222" }
        try await eventually("following the new history to its head") { try await sink.position() == 6 }
        let resyncs = sink.history.withLock { $0.resyncs }
        #expect(resyncs.count == 1 && resyncs.first?.storeID == "bbbb2222")
        #expect(runtime.state.stats.totals["store.history_changes"] == 1)
        try await running.stop()
        try await store.stop()
    }

    @Test("A head below the position is a restore too, from a store that sends no id", .timeLimit(.minutes(1)))
    func headWentBack() async throws {
        let (store, running) = try await Self.followingThreeChanges()
        let (sink, runtime) = (running.sink, running.runtime)

        store.restore(to: 1, storeID: nil)
        try await eventually("resynchronised at the store's head, 1") { sink.history.withLock { $0.resyncs.count } == 1 }
        #expect(sink.history.withLock { $0.resyncs.first?.head } == 1)
        #expect(try await sink.position() == 1)
        #expect(runtime.state.stats.totals["store.history_changes"] == 1)
        store.commit(seq: 2, header: header(2), body: syntheticRecord)
        try await eventually("the new seq 2 is applied") { try await sink.position() == 2 }
        try await running.stop()
        try await store.stop()
    }

    /// A scripted store without an id, and a follower that started at its head and applied its changes 1...3.
    static func followingThreeChanges() async throws -> (ScriptedStore, RunningFollower) {
        let store = try await ScriptedStore()
        let running = try await RunningFollower.start(store, from: .head)
        await store.waitForSubscriber()
        try await eventually("the follower starts at the head, 0") { !running.follower.state.catchingUp }
        for seq in Int64(1)...3 { store.commit(seq: seq, header: header(seq), body: syntheticRecord) }
        try await eventually("seq 3 applied from a store without an id") { try await running.sink.position() == 3 }
        return (store, running)
    }
}
