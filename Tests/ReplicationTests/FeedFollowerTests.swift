import Foundation
import Client
import Logging
import ServiceLifecycle
import Synchronization
import TestHarness
import Testing
import ZMQ
@testable import Replication
@testable import ServiceKit
@testable import WireProtocol

/// A store as a follower sees it, scripted: a change log answered over `changes` by a real
/// RequestServer, and a feed published on a real XPUB socket. Unlike the real store, it can
/// serve and publish anything, which is the point: a follower must survive whatever it gets.
final class ScriptedStore: Sendable {
    final class Log: Sendable {
        let entries = Mutex<[(seq: Int64, header: Data, body: Data)]>([])
        /// The `store_id` its `changes` pages carry; none (as an old store) while nil.
        let storeID = Mutex<String?>(nil)
    }

    private let log = Log()
    let server: RunningServer
    let feed: SocketPump

    init() async throws {
        let log = self.log
        server = try await RunningServer.start { routes in
            // Every snapshot page lists the first change's record twice: a page no copy can insert.
            routes.on(MessageType.snapshot) { request, _ in
                let first = log.entries.withLock { $0.first }
                let headers = first.map { [$0.header, $0.header] } ?? []
                let listed = headers.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ",")
                return Reply(type: request.type, requestID: request.id, body: Data(#"{"records":[\#(listed)],"seq":\#(first?.seq ?? 0)}"#.utf8),
                             attachments: first.map { [$0.body, $0.body] } ?? [])
            }
            routes.on(MessageType.changes) { request, _ in
                let asked = try WireJSON.decode(ChangesRequest.self, from: request.body)
                let (page, head) = log.entries.withLock { log in
                    (Array(log.filter { $0.seq > asked.after }.prefix(asked.limit ?? 1000)), log.last?.seq ?? 0)
                }
                let headers = page.map { String(decoding: $0.header, as: UTF8.self) }.joined(separator: ",")
                let id = log.storeID.withLock { $0 }.map { #","store_id":"\#($0)""# } ?? ""
                return Reply(type: request.type, requestID: request.id, body: Data(#"{"changes":[\#(headers)],"head":\#(head)\#(id)}"#.utf8),
                             attachments: page.map(\.body))
            }
        }
        feed = try await SocketPump.start(name: "scripted-feed", context: server.context) { context in
            let socket = try context.socket(.xpub)
            try socket.set([.linger(milliseconds: 0)])
            try socket.bind("tcp://127.0.0.1:*")
            return socket
        }
    }

    /// Waits for a subscriber: PUB drops what is sent before one has joined.
    func waitForSubscriber() async {
        for await message in feed.incoming where message.first?.first == 1 { return }
    }

    /// Adds a change to the log and publishes it (or `feedHeader` in its place) on the feed.
    func commit(seq: Int64, header: Data, body: Data) {
        log.entries.withLock { $0.append((seq, header, body)) }
        publish([Data("all".utf8), Wire.versionFrame, Data(MessageType.change.utf8), header, body])
    }

    func publish(_ frames: [Data]) { feed.send(frames) }

    /// As a restore from a backup: the log ends at `seq`, and the store names its history `storeID`.
    func restore(to seq: Int64, storeID: String?) {
        log.entries.withLock { $0.removeAll { $0.seq > seq } }
        log.storeID.withLock { $0 = storeID }
    }

    func name(_ storeID: String?) { log.storeID.withLock { $0 = storeID } }

    func stop() async throws {
        await feed.stop()
        try await server.stop()
    }
}

/// Keeps what the follower hands over, in memory.
final class RecordingSink: FollowerSink {
    private let state = Mutex<(applied: [ReadChange], position: Int64)>(([], 0))
    /// The store id remembered, and the resynchronisations asked for (the store's id and head then).
    let history = Mutex<(storeID: String?, resyncs: [(storeID: String?, head: Int64)])>((nil, []))

    var applied: [ReadChange] { state.withLock { $0.applied } }
    func position() async throws -> Int64 { state.withLock { $0.position } }
    func apply(_ changes: [ReadChange]) async throws {
        state.withLock { state in
            state.applied += changes
            if let last = changes.last { state.position = last.header.seq }
        }
    }
    func applySnapshot(_ records: [ReadChange], first: Bool) async throws {}
    func setPosition(_ seq: Int64) async throws { state.withLock { $0.position = seq } }
    func storeID() async throws -> String? { history.withLock { $0.storeID } }
    func setStoreID(_ id: String) async throws { history.withLock { $0.storeID = id } }
    /// As the notifier does: drops nothing it keeps, goes on from the store's head.
    func resynchronise(storeID: String?, head: Int64) async throws {
        history.withLock { $0 = (storeID, $0.resyncs + [(storeID, head)]) }
        state.withLock { $0.position = head }
    }
}

/// A FeedFollower with its store client, running in a service group as in a service.
struct RunningFollower {
    let follower: FeedFollower
    let sink: RecordingSink
    let runtime: ServiceRuntime
    let group: ServiceGroup
    let task: Task<Void, any Error>

    static func start(_ store: ScriptedStore, from start: FollowStart) async throws -> RunningFollower {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let runtime = try ServiceRuntime(service: "follower-test", options: try CommonOptions.parse([]),
                                         context: store.server.context, logger: logger)
        let client = try await ServiceClient(endpoint: store.server.endpoint, name: "follower-test-store",
                                             context: runtime.context, logger: logger)
        let sink = RecordingSink()
        let follower = try FeedFollower(feedEndpoint: store.feed.lastEndpoint, store: client, sink: sink, start: start,
                                    runtime: runtime, idlePoll: .milliseconds(200))
        let group = ServiceGroup(services: [client, follower], logger: logger)
        return RunningFollower(follower: follower, sink: sink, runtime: runtime, group: group, task: Task { try await group.run() })
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

func header(_ seq: Int64, damaged: String? = nil) -> Data {
    ChangeHeader(seq: seq, kind: .insert, recordID: seq, key: "title:synthetic \(seq)", version: 1, status: .active,
                 committedAt: Date(), damaged: damaged).jsonData
}

let syntheticRecord = Data(#"{"title":"SYNTHETIC record for a follower test","year":2020,"conditions":["crohns"],"design":"rct"}"#.utf8)

@Suite("FeedFollower: nothing the store serves or publishes stops it", .serialized)
struct FeedFollowerTests {
    @Test("Unreadable feed messages are counted; damaged, invalid and unreadable changes are skipped in order; good ones still apply",
          .timeLimit(.minutes(1)))
    func skipsWhatItCannotApply() async throws {
        let store = try await ScriptedStore()
        let running = try await RunningFollower.start(store, from: .head)
        let (follower, sink, runtime) = (running.follower, running.sink, running.runtime)

        #expect(ReadChange(FeedChange(header: try WireJSON.decode(ChangeHeader.self, from: header(1)), body: syntheticRecord))
            .problem == nil, "the good record is valid")
        await store.waitForSubscriber()
        try await eventually("the follower starts at the head, 0") { !follower.state.catchingUp }
        store.commit(seq: 1, header: header(1), body: syntheticRecord)
        try await eventually("seq 1 applied") { try await sink.position() == 1 }

        store.publish([Data("all".utf8), Wire.versionFrame, Data(MessageType.change.utf8)])
        store.publish([Data("all".utf8), Wire.versionFrame, Data(MessageType.change.utf8), Data("{not json".utf8), syntheticRecord])
        store.commit(seq: 2, header: header(2, damaged: "stored JSON does not match its hash"), body: Data())
        store.commit(seq: 3, header: header(3), body: Data("this is not JSON".utf8))
        store.commit(seq: 4, header: Data(#"{"seq":4,"kind":"insert","record_id":4,"key":"title:x","version":1,"status":"active","committed_at":"yesterday"}"#.utf8),
                     body: syntheticRecord)
        store.commit(seq: 5, header: header(5), body: syntheticRecord)
        try await eventually("seq 5 applied") { try await sink.position() == 5 }

        let applied = sink.applied
        #expect(applied.map(\.header.seq) == [1, 2, 3, 4, 5], "each once, in order")
        #expect(applied.map { $0.problem == nil } == [true, false, false, false, true])
        #expect(applied[1].problem == "the store marked it damaged: stored JSON does not match its hash")
        #expect(applied[2].problem?.hasPrefix("not a valid record: invalid JSON") == true)
        #expect(!applied[3].headerRead && applied[3].problem?.hasPrefix("its header does not read") == true)
        let counters = runtime.state.stats.totals
        #expect(counters["changes.skipped"] == 3 && counters["changes.applied"] == 2)
        #expect(counters["feed.unreadable"] == 3, "two junk messages and seq 4's header: \(counters)")
        let last = try #require(follower.skipped.last)
        #expect(last.seq == 4 && last.recordID == nil && last.key == nil)
        #expect(follower.state == ReplicaState(applied: 5, storeHead: 5, catchingUp: false))

        try await running.stop()
        try await store.stop()
    }

    @Test("A snapshot page that lists a record twice is not inserted: the copy is built from the log", .timeLimit(.minutes(1)))
    func unusableSnapshotFallsBackToTheLog() async throws {
        let store = try await ScriptedStore()
        store.commit(seq: 1, header: header(1), body: syntheticRecord)
        store.commit(seq: 2, header: header(2), body: syntheticRecord)
        let running = try await RunningFollower.start(store, from: .snapshot)
        let (sink, runtime) = (running.sink, running.runtime)

        try await eventually("caught up from the log") { try await sink.position() == 2 }
        #expect(sink.applied.map(\.header.seq) == [1, 2])
        #expect(runtime.state.stats.totals["snapshot.unreadable"] == 1)
        try await running.stop()
        try await store.stop()
    }

    @Test("catching_up: until first caught up, while the store is unreachable, and while more than a page behind")
    func catchingUpIsDefined() {
        var progress = FollowerProgress()
        #expect(progress.replicaState(pageSize: 100).catchingUp, "not yet caught up")
        progress.inSync = true
        progress.applied = 500
        progress.heard(head: 600)
        #expect(progress.replicaState(pageSize: 100) == ReplicaState(applied: 500, storeHead: 600, catchingUp: false))
        #expect(progress.replicaState(pageSize: 100, newestWaiting: 601) == ReplicaState(applied: 500, storeHead: 601, catchingUp: true),
                "a feed message waiting counts in the head")
        progress.heard(head: 550)
        #expect(progress.storeHead == 600, "the head never goes back")
        let sent = ContinuousClock.now
        progress.probeSentAt = sent
        #expect(!progress.replicaState(pageSize: 100, now: sent + .seconds(1)).catchingUp, "a probe on its way")
        #expect(progress.replicaState(pageSize: 100, now: sent + .seconds(4)).catchingUp, "a probe unanswered for 3 s")
        progress.probeSentAt = nil
        progress.storeUnreachable = true
        #expect(progress.replicaState(pageSize: 100).catchingUp, "the last probe failed")
    }
}
