import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import WireProtocol
import ZMQ

/// Follows the store's change log and hands every change, in order and exactly once, to a
/// sink (zguide's Clone pattern, made gap-proof by the store's log):
///
/// 1. subscribe to the feed first, so nothing published from now on is missed;
/// 2. with no position yet, load a snapshot (or start at the store's head);
/// 3. catch up with `changes` after the position;
/// 4. apply feed messages in sequence order, dropping those already applied. A jump in
///    sequence numbers (a slow joiner, a high-water-mark drop, a restart) is repaired by
///    asking `changes` for what is missing; so is silence: when the feed is quiet for a
///    second, the follower asks whether it missed the last changes.
///
/// The position is kept by the sink, so a restart resumes where it stopped.
public final class FeedFollower: Service, Sendable {
    private let feedEndpoint: String
    private let store: ServiceClient
    private let sink: any FollowerSink
    private let start: FollowStart
    private let context: Context
    private let service: String
    private let logger: Logger
    private let stats: ServiceStats
    private let pageSize: Int
    private let idlePoll: Duration
    private let receiveHighWaterMark: Int32
    private let progress = Mutex(Progress())

    struct Progress {
        var applied: Int64 = 0
        var storeHead: Int64 = 0
        var catchingUp = true
    }

    public init(feedEndpoint: String, store: ServiceClient, sink: any FollowerSink, start: FollowStart,
                runtime: ServiceRuntime, pageSize: Int = 2000, idlePoll: Duration = .seconds(1),
                receiveHighWaterMark: Int32 = 100_000) {
        self.feedEndpoint = feedEndpoint
        self.store = store
        self.sink = sink
        self.start = start
        self.context = runtime.context
        self.service = runtime.state.service
        self.logger = runtime.logger
        self.stats = runtime.state.stats
        self.pageSize = pageSize
        self.idlePoll = idlePoll
        self.receiveHighWaterMark = receiveHighWaterMark
    }

    /// Where the follower is, for `status` and for every answer built on what it applied.
    public var state: ReplicaState {
        progress.withLock { ReplicaState(applied: $0.applied, storeHead: max($0.storeHead, $0.applied), catchingUp: $0.catchingUp) }
    }

    public func run() async throws {
        let feed = try await SocketPump.start(name: "\(service)-feed", context: context, incomingLimit: 20_000) {
            [feedEndpoint, receiveHighWaterMark] context in
            let socket = try context.socket(.sub)
            try socket.set([.linger(milliseconds: 0), .receiveHighWaterMark(receiveHighWaterMark),
                            .subscribe(Data("all".utf8))])
            try socket.connect(feedEndpoint)
            return socket
        }
        logger.info("following the store", metadata: ["feed": "\(feedEndpoint)", "store": "\(store.endpoint)"])
        var backoff = Duration.milliseconds(200)
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await self.follow(feed) }
                break
            } catch is CancellationError {
                break
            } catch {
                progress.withLock { $0.catchingUp = true }
                logger.warning("cannot follow the store; retrying", metadata: ["error": "\(error)", "retry_in_ms": "\(backoff.milliseconds)"])
                let wait = backoff
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
                backoff = min(backoff * 2, .seconds(8))
            }
        }
        await feed.stop()
    }

    private func follow(_ feed: SocketPump) async throws {
        var position = try await sink.position()
        if position == 0 {
            switch start {
            case .snapshot: position = try await loadSnapshot()
            case .head:
                position = try await fetchChanges(after: Int64.max - 1, limit: 1).head
                try await sink.setPosition(position)
            }
        }
        record(applied: position, catchingUp: true)
        position = try await catchUp(from: position)
        record(applied: position, catchingUp: false)
        logger.info("caught up", metadata: ["seq": "\(position)"])

        while true {
            guard let batch = try await nextBatch(from: feed) else { return }
            if batch.isEmpty {
                position = try await catchUp(from: position)  // a quiet feed: did we miss the tail?
                continue
            }
            var run: [FeedChange] = []
            for change in batch.compactMap(FeedChange.init(feedMessage:)) {
                let seq = change.header.seq
                progress.withLock { $0.storeHead = max($0.storeHead, seq) }
                guard seq > position + Int64(run.count) else { continue }  // applied already
                if seq == position + Int64(run.count) + 1 {
                    run.append(change)
                    continue
                }
                // A gap: messages were lost. Apply what is in order, then fetch the rest from the log.
                position = try await apply(run, after: position)
                run = []
                stats.add("feed.gaps_repaired")
                logger.debug("gap in the feed", metadata: ["seq": "\(position)", "next_seen": "\(seq)"])
                position = try await catchUp(from: position)
            }
            position = try await apply(run, after: position)
        }
    }

    /// Feed messages waiting, at most one page; an empty batch when the feed was quiet for
    /// `idlePoll`; nil when the feed is closed.
    private func nextBatch(from feed: SocketPump) async throws -> [Multipart]? {
        try await withThrowingTaskGroup(of: [Multipart]?.self) { group in
            group.addTask { await feed.nextBatch(max: self.pageSize) }
            group.addTask {
                try await Task.sleep(for: self.idlePoll)
                return []
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    private func apply(_ changes: [FeedChange], after position: Int64) async throws -> Int64 {
        guard let last = changes.last else { return position }
        try await sink.apply(changes)
        stats.add("changes.applied", changes.count)
        if logger.logLevel <= .debug {
            // The request id of the write that made each change: `grep <id>` follows a record here too.
            for change in changes {
                logger.debug("applied", metadata: ["request.id": "\(change.header.requestID ?? "-")", "seq": "\(change.header.seq)",
                                                   "record.id": "\(change.header.recordID)", "kind": "\(change.header.kind.rawValue)"])
            }
        }
        record(applied: last.header.seq, catchingUp: nil)
        return last.header.seq
    }

    /// Applies `changes` pages after `position` until the store's head.
    private func catchUp(from start: Int64) async throws -> Int64 {
        var position = start
        while true {
            let page = try await fetchChanges(after: position, limit: pageSize)
            position = try await apply(page.changes, after: position)
            if page.changes.count < pageSize || position >= page.head { return position }
        }
    }

    private func fetchChanges(after seq: Int64, limit: Int) async throws -> (changes: [FeedChange], head: Int64) {
        let reply = try await store.send(Request(type: MessageType.changes, id: "\(service)-changes-\(UUID().uuidString)",
                                                 body: ChangesRequest(after: seq, limit: limit)))
        let page = try reply.decode(ChangesReply.self)
        guard page.changes.count == reply.attachments.count else {
            throw ErrorBody(code: .internal, message: "changes page with \(page.changes.count) headers and \(reply.attachments.count) records")
        }
        if page.head < seq && seq < Int64.max - 1 {
            throw ErrorBody(code: .internal, message: "the store's head (\(page.head)) is behind this follower (\(seq)): was the store restored from an older backup? Remove this follower's data to rebuild it.")
        }
        progress.withLock { $0.storeHead = max($0.storeHead, page.head) }
        return (zip(page.changes, reply.attachments).map { FeedChange(header: $0, body: $1) }, page.head)
    }

    /// Loads every record from the store's snapshot, fetching the next page while the sink
    /// stores the current one. Returns the first page's sequence number: changes after it
    /// may be missing from later pages' view, and are applied by the catch-up that follows.
    private func loadSnapshot() async throws -> Int64 {
        logger.info("loading a snapshot from the store")
        let started = ContinuousClock.now
        var page = try await fetchSnapshot(after: 0)
        let consistentAt = page.seq
        var first = true, records = 0
        while true {
            let nextID = page.nextAfterID
            async let next = nextID == nil ? nil : fetchSnapshot(after: nextID!)
            try await sink.applySnapshot(page.records, first: first)
            records += page.records.count
            first = false
            guard let following = try await next else { break }
            page = following
        }
        try await sink.setPosition(consistentAt)
        logger.info("snapshot loaded", metadata: ["records": "\(records)", "seq": "\(consistentAt)",
                                                  "ms": "\(Int((ContinuousClock.now - started).milliseconds))"])
        return consistentAt
    }

    private func fetchSnapshot(after id: Int64) async throws -> (records: [FeedChange], seq: Int64, nextAfterID: Int64?) {
        let reply = try await store.send(Request(type: MessageType.snapshot, id: "\(service)-snapshot-\(UUID().uuidString)",
                                                 body: SnapshotRequest(afterID: id, limit: pageSize)))
        let page = try reply.decode(SnapshotReply.self)
        progress.withLock { $0.storeHead = max($0.storeHead, page.seq) }
        return (zip(page.records, reply.attachments).map { FeedChange(header: $0, body: $1) }, page.seq, page.nextAfterID)
    }

    private func record(applied: Int64, catchingUp: Bool?) {
        progress.withLock { progress in
            progress.applied = applied
            progress.storeHead = max(progress.storeHead, applied)
            if let catchingUp { progress.catchingUp = catchingUp }
        }
    }
}
