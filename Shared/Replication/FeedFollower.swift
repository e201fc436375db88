import Foundation
import Client
import CoreMetrics
import Logging
import ServiceKit
import ZMQ
import ServiceLifecycle
import Synchronization
import WireProtocol

/// Follows the store's change log and hands every change, in order and exactly once, to a
/// sink (zguide's Clone pattern, made gap-proof by the store's log):
///
/// 1. subscribe to the feed first, so nothing published from now on is missed;
/// 2. with no position yet, install a peer's database image (`StartingImage`, when given), or
///    load a snapshot (or start at the store's head);
/// 3. catch up with `changes` after the position;
/// 4. apply feed messages in sequence order, dropping those already applied. A jump in
///    sequence numbers (a slow joiner, a high-water-mark drop, a restart) is repaired by
///    asking `changes` for what is missing; so is silence: when the feed is quiet for a
///    second, the follower asks whether it missed the last changes.
///
/// The position is kept by the sink, so a restart resumes where it stopped.
///
/// The sink also keeps the id of the store's history (`store_id` on `changes` and snapshot
/// pages). A store restored from a backup has another id, and its head may be below the
/// position: either is a history change, checked at every start, on every `changes` and
/// snapshot page and by the head probe. It is logged at error level, counted
/// (`store.history_changes`), and the sink resynchronises (`FollowerSink.resynchronise`).
/// A store that sends no id (older than store ids) is followed as before: an unknown id is
/// not a change.
///
/// Nothing the store serves stops a follower: a change it cannot apply (damaged, not a
/// valid record, a header that does not read) is skipped — logged, counted, shown in
/// `status` — and the sink moves past it. Beside following, the store's head is probed
/// about once a second, so that `state` says truthfully how far behind the follower is.
public final class FeedFollower: Service, Sendable {
    private let feedEndpoint: String
    /// The feed's CURVE client options (the store's key, this service's), or none.
    private let feedSecurity: [SocketOption]
    private let log: ChangeLog
    private let sink: any FollowerSink
    private let start: FollowStart
    private let context: Context
    private let service: String
    private let logger: Logger
    private let stats: ServiceStats
    private let pageSize: Int
    private let idlePoll: Duration
    private let headProbeInterval: Duration
    private let receiveHighWaterMark: Int32
    /// Tried once, by a follower that starts with no position, before the snapshot.
    private let image: (any StartingImage)?
    private let imageTried = Mutex(false)
    private let progress = Mutex(FollowerProgress())
    private let feed = Mutex<SocketPump?>(nil)
    /// What the feed socket's monitor said; a lost connection is logged and counted.
    private let feedHealth = Mutex(LinkHealth(endpoints: 1))
    /// Changes skipped as unappliable; the services add their own skips (a watch replaying the log).
    public let skipped: SkippedChanges

    public init(feedEndpoint: String, store: ServiceClient, sink: any FollowerSink, start: FollowStart,
                runtime: ServiceRuntime, pageSize: Int = 2000, idlePoll: Duration = .seconds(1),
                headProbeInterval: Duration = .seconds(1), receiveHighWaterMark: Int32 = 100_000,
                lastSkipped: SkippedChange? = nil, image: (any StartingImage)? = nil) throws {
        self.feedEndpoint = feedEndpoint
        self.image = image
        feedSecurity = try runtime.security.clientOptions(to: "evidence-store")
        self.log = ChangeLog(store: store, requester: runtime.state.service)
        self.sink = sink
        self.start = start
        self.context = runtime.context
        self.service = runtime.state.service
        self.logger = runtime.logger
        self.stats = runtime.state.stats
        self.pageSize = pageSize
        self.idlePoll = idlePoll
        self.headProbeInterval = headProbeInterval
        self.receiveHighWaterMark = receiveHighWaterMark
        self.skipped = SkippedChanges(logger: runtime.logger, stats: runtime.state.stats, last: lastSkipped)
        exposeProgress(runtime.metrics)
    }

    /// `ldn_follower_applied_seq`, `ldn_follower_store_head_seq`, `ldn_follower_lag_changes` and
    /// `ldn_follower_catching_up`, read from `state` when scraped: `status`'s replica block.
    private func exposeProgress(_ metrics: ServiceMetrics) {
        stats.declare(["changes.applied", "changes.skipped"])
        stats.add("store.history_changes", 0)  // shown in status (and /metrics) while none
        let applied = metrics.gauge(MetricName.followerAppliedSeq)
        let head = metrics.gauge(MetricName.followerStoreHeadSeq)
        let lag = metrics.gauge(MetricName.followerLagChanges)
        let catchingUp = metrics.gauge(MetricName.followerCatchingUp)
        metrics.beforeScrape { [weak self] in
            guard let state = self?.state else { return }
            applied.record(state.applied)
            head.record(state.storeHead)
            lag.record(state.lag)
            catchingUp.record(state.catchingUp ? 1 : 0)
        }
    }

    /// Where the follower is, for `status` and for every answer built on what it applied.
    /// The head includes the newest feed message still waiting to be taken.
    public var state: ReplicaState { stateInHistory.state }

    /// `state`, and how many times the follower resynchronised with a restored store, read
    /// together: the same position in another history is other data, so what is cached by
    /// position (a query replica's syntheses) is keyed by both.
    public var stateInHistory: (state: ReplicaState, history: Int) {
        let waiting = feed.withLock { $0 }?.newestWaiting.flatMap { try? FeedChange(feedMessage: $0).header.seq }
        return progress.withLock { ($0.replicaState(pageSize: pageSize, newestWaiting: waiting), $0.resynchronisations) }
    }

    public func run() async throws {
        let feed = try await SocketPump.start(name: "\(service)-feed", context: context, incomingLimit: 20_000,
                                              onEvent: { self.feedEvent($0) }) { [feedEndpoint, receiveHighWaterMark, feedSecurity] context in
            let socket = try context.socket(.sub)
            // Heartbeats: a store that goes silent (frozen, or its host gone) is noticed within
            // about 4 s and the feed reconnects, instead of waiting on a dead connection for ever.
            try socket.set([.linger(milliseconds: 0), .receiveHighWaterMark(receiveHighWaterMark), .subscribe(Data("all".utf8))]
                           + LinkSettings.reconnect.reconnectOptions + LinkSettings.heartbeats + feedSecurity)
            let monitor = try socket.monitor()
            try socket.connect(feedEndpoint)
            return (socket, monitor)
        }
        self.feed.withLock { $0 = feed }
        logger.info("following the store", metadata: ["feed": "\(feedEndpoint)", "store": "\(log.store.endpoint)"])
        await withDiscardingTaskGroup { group in
            group.addTask { await self.probeHead() }
            await self.followUntilShutdown(feed)
            group.cancelAll()
        }
        self.feed.withLock { $0 = nil }
        await feed.stop()
        // Followed until shutdown, unless the feed's socket thread died: then stop with why.
        if let failure = feed.failure {
            logger.error("feed socket failed", metadata: ["error": "\(failure)"])
            throw failure
        }
    }

    /// Follows; on any failure (the store unreachable, the sink's database failing), logs it,
    /// counts it and follows again after a growing pause. Ends only at shutdown.
    private func followUntilShutdown(_ feed: SocketPump) async {
        var backoff = Backoff()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await self.follow(feed) }
                return
            } catch is CancellationError {
                return
            } catch is HistoryChanged {
                continue  // following again starts by resynchronising
            } catch {
                // Pauses grow while following keeps failing, and start small again once it had caught up.
                let hadCaughtUp = progress.withLock { progress in
                    defer { progress.inSync = false }
                    return progress.inSync
                }
                if hadCaughtUp { backoff.succeeded() }
                stats.add("follow.errors")
                logger.warning("cannot follow the store; retrying", metadata: [
                    "error": "\(error)", "retry.in.ms": "\(backoff.next.milliseconds)"])
                await backoff.wait()
            }
        }
    }

    /// The feed socket's monitor, on its thread. Changes published while the feed is down
    /// are not lost: the quiet-feed check and gap repair fetch them from the store's log.
    private func feedEvent(_ event: SocketEvent) {
        switch feedHealth.withLock({ $0.heard(event) }) {
        case .lost:
            stats.add("feed.disconnects")
            logger.warning("feed connection lost; reconnecting", metadata: ["feed": "\(feedEndpoint)"])
        case .up: logger.info("feed connected", metadata: ["feed": "\(feedEndpoint)"])
        case .refused, nil: break  // the store is down: the requests to it say so
        }
    }

    /// Asks the store for its head about once a second: feed messages beyond the pump's
    /// inbox, and changes not yet fetched while catching up, still count in the lag.
    private func probeHead() async {
        while !Task.isCancelled {
            progress.withLock { $0.probeSentAt = .now }
            do {
                let head = try await log.head()
                progress.withLock {
                    // Only the id: a head read before feed messages now applied may be below the position.
                    if let known = $0.storeID, let id = head.storeID, id != known { $0.historyChanged = true }
                    $0.heard(head: head.seq)
                    $0.storeUnreachable = false
                    $0.probeSentAt = nil
                }
            } catch is CancellationError {
                return
            } catch {
                progress.withLock {
                    $0.storeUnreachable = true
                    $0.probeSentAt = nil
                }
                stats.add("head_probe.failures")
            }
            try? await Task.sleep(for: headProbeInterval)
        }
    }

    private func follow(_ feed: SocketPump) async throws {
        var position = try await checkHistory(at: try await sink.position())
        if position == 0 {
            switch start {
            case .snapshot:
                if let seq = try await installImage() { position = seq } else { position = try await loadSnapshot() }
            case .head:
                position = try await log.head().seq
                try await sink.setPosition(position)
            }
        }
        record(applied: position)
        position = try await catchUp(from: position)
        progress.withLock { $0.inSync = true }
        logger.info("caught up", metadata: ["seq": "\(position)"])

        while true {
            guard let batch = await nextBatch(from: feed) else { return }
            if progress.withLock({ $0.historyChanged }) { throw HistoryChanged() }
            if batch.isEmpty {
                position = try await catchUp(from: position)  // a quiet feed: did we miss the tail?
                continue
            }
            var run: [FeedChange] = []
            for message in batch {
                guard let change = read(message, after: position) else { continue }
                let seq = change.header.seq
                progress.withLock { $0.heard(head: seq) }
                let last = run.last?.header.seq ?? position  // both within FeedChange.sequenceRange: no overflow
                if seq <= last { continue }  // applied already
                if seq - last == 1 {
                    run.append(change)
                    continue
                }
                // A gap: messages were lost. Apply what is in order, then fetch the rest from the log.
                position = try await apply(await ReadChange.readAll(run), after: position)
                run = []
                stats.add("feed.gaps_repaired")
                logger.debug("gap in the feed", metadata: ["seq.applied": "\(position)", "seq.received": "\(seq)"])
                position = try await catchUp(from: position)
            }
            position = try await apply(await ReadChange.readAll(run), after: position)
        }
    }

    /// A feed message, read; nil (logged and counted) when it does not read. The change it
    /// carried is not lost: the next message shows a gap, or the quiet-feed check finds it,
    /// and it is fetched from the store's log, where an unreadable one is skipped by seq.
    private func read(_ message: Multipart, after position: Int64) -> FeedChange? {
        do {
            return try FeedChange(feedMessage: message)
        } catch {
            stats.add("feed.unreadable")
            logger.error("a feed message does not read; its change will be fetched from the store's log",
                         metadata: ["reason": "\(error)", "seq.applied": "\(position)"])
            return nil
        }
    }

    /// Feed messages waiting, at most one page; an empty batch when the feed was quiet for
    /// `idlePoll`; nil when the feed is closed.
    ///
    /// The answer is always the feed wait's own: when the timer ends first it cancels that
    /// wait, which then returns `[]` — or the batch it had already taken from the inbox, which
    /// taking the timer's result instead would drop (seen under load: feed messages lost).
    private func nextBatch(from feed: SocketPump) async -> [Multipart]? {
        await withTaskGroup(of: [Multipart]??.self) { group in
            group.addTask { .some(await feed.nextBatch(max: self.pageSize)) }
            group.addTask {
                try? await Task.sleep(for: self.idlePoll)
                return .none
            }
            defer { group.cancelAll() }
            while let result = await group.next() {
                if case .some(let batch) = result { return batch }
                group.cancelAll()  // the timer: the feed wait now returns what it has
            }
            return []
        }
    }

    /// Hands consecutive changes to the sink; those it cannot apply are skipped (the sink
    /// moves past them) and reported once the sink has taken them.
    private func apply(_ changes: [ReadChange], after position: Int64) async throws -> Int64 {
        guard let last = changes.last else { return position }
        try await sink.apply(changes)
        var skips = 0
        for change in changes where change.problem != nil {
            skipped.record(change)
            skips += 1
        }
        stats.add("changes.applied", changes.count - skips)
        if logger.logLevel <= .debug {
            // The request id of the write that made each change: `grep <id>` follows a record here too.
            for change in changes {
                logger.debug("applied", metadata: ["request.id": "\(change.header.requestID ?? "-")", "seq": "\(change.header.seq)",
                                                   "record.id": "\(change.header.recordID)", "kind": "\(change.header.kind.rawValue)"])
            }
        }
        record(applied: last.header.seq)
        return last.header.seq
    }

    /// Applies `changes` pages after `position` until the store's head.
    private func catchUp(from start: Int64) async throws -> Int64 {
        var position = start
        while true {
            let page = try await log.changes(after: position, limit: pageSize)
            if page.head < position || isAnotherHistory(page.storeID) { throw HistoryChanged() }
            try await adopt(page.storeID)
            progress.withLock { $0.heard(head: page.head) }
            position = try await apply(page.changes, after: position)
            if page.changes.isEmpty || position >= page.head { return position }
        }
    }

    /// The image's position when one was installed; nil (the snapshot follows) when there is
    /// no image source, it was tried already since this process started, or it failed.
    private func installImage() async throws -> Int64? {
        guard let image, imageTried.withLock({ tried in defer { tried = true }; return !tried }) else { return nil }
        let store = try await log.head()
        guard let seq = await image.install(for: store) else { return nil }
        progress.withLock { $0.heard(head: store.seq) }
        return seq
    }

    /// Loads every record from the store's snapshot; when a page does not read, builds the
    /// copy from the store's log instead (which can be read change by change).
    private func loadSnapshot() async throws -> Int64 {
        do {
            return try await loadSnapshotPages()
        } catch let error as UnreadableChange {
            stats.add("snapshot.unreadable")
            logger.error("a snapshot page does not read; building the copy from the store's log instead",
                         metadata: ["reason": "\(error)"])
            try await sink.applySnapshot([], first: true)
            try await sink.setPosition(0)
            return 0
        }
    }

    /// Loads every record from the store's snapshot, fetching the next page while the sink
    /// stores the current one. Returns the first page's sequence number: changes after it
    /// may be missing from later pages' view, and are applied by the catch-up that follows.
    private func loadSnapshotPages() async throws -> Int64 {
        logger.info("loading a snapshot from the store")
        let started = ContinuousClock.now
        var page = try await log.snapshot(afterID: 0, limit: pageSize)
        let consistentAt = page.seq
        var first = true, records = 0
        while true {
            if isAnotherHistory(page.storeID) { throw HistoryChanged() }
            progress.withLock { $0.heard(head: page.seq) }
            let nextID = page.nextAfterID
            async let next = snapshotPage(after: nextID)
            try await sink.applySnapshot(page.records, first: first)
            for record in page.records { skipped.record(record) }
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

    private func snapshotPage(after id: Int64?) async throws -> (records: [ReadChange], seq: Int64, nextAfterID: Int64?, storeID: String?)? {
        guard let id else { return nil }
        return try await log.snapshot(afterID: id, limit: pageSize)
    }

    /// Compares the store's history with the one the sink's position belongs to, before
    /// following: another id, or a head below the position, is a restored (or replaced)
    /// store. Then says so loudly, counts it, and has the sink resynchronise. Returns the
    /// position to go on from.
    private func checkHistory(at position: Int64) async throws -> Int64 {
        let store = try await log.head()
        let known = try await sink.storeID()
        let anotherID = known != nil && store.storeID != nil && known != store.storeID
        guard anotherID || store.seq < position else {
            if known == nil, let id = store.storeID { try await sink.setStoreID(id) }
            progress.withLock {
                $0.storeID = store.storeID ?? known
                $0.historyChanged = false
            }
            return position
        }
        stats.add("store.history_changes")
        logger.error("the store's history is not the one followed: it was restored from a backup or replaced; dropping what came from the old history and resynchronising",
                     metadata: ["store.id.old": "\(known ?? "unknown")", "store.id.new": "\(store.storeID ?? "unknown")",
                                "seq.applied": "\(position)", "store.head": "\(store.seq)",
                                "reason": "\(anotherID ? "another store id" : "the store's head is below this follower's position")"])
        try await sink.resynchronise(storeID: store.storeID, head: store.seq)
        let resumed = try await sink.position()
        progress.withLock { progress in
            progress = FollowerProgress(resynchronisations: progress.resynchronisations + 1)
            progress.storeID = store.storeID
            progress.heard(head: store.seq)
        }
        logger.info("resynchronising", metadata: ["seq": "\(resumed)", "from": "\(resumed == 0 ? "a snapshot" : "the store's head")"])
        return resumed
    }

    /// Remembers the id of a store that names one for the first time (upgraded from a release
    /// before store ids): the same history, now with a name.
    private func adopt(_ id: String?) async throws {
        guard let id, progress.withLock({ $0.storeID == nil }) else { return }
        try await sink.setStoreID(id)
        progress.withLock { $0.storeID = id }
    }

    /// Whether `id` (from a page) names another history than the one being followed.
    private func isAnotherHistory(_ id: String?) -> Bool {
        guard let id, let known = progress.withLock({ $0.storeID }) else { return false }
        return id != known
    }

    private func record(applied: Int64) {
        progress.withLock { progress in
            progress.applied = applied
            progress.heard(head: applied)
        }
    }
}

/// The store's history changed under the follower: it follows again, from `checkHistory`.
struct HistoryChanged: Error {}
