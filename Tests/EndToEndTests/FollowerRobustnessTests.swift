import EvidenceModel
import Foundation
import GRDB
import SyntheticData
import TestHarness
import Testing
import WireProtocol

/// Changes the test makes to a stopped store's database, as disk damage or a hostile writer
/// would: the store then serves them from its log and snapshot. Written against the store's
/// `changes` table as of schema v1; a store that keeps a hash per change serves a changed
/// body as `damaged` (empty record frame) instead, which followers skip the same way.
struct StoreDamage {
    /// seq → bytes that replace the stored record JSON.
    var bodies: [Int64: Data] = [:]
    /// seqs whose commit time is moved to the year 33658: the store still serves the change,
    /// but its header's `committed_at` is not a time any follower reads.
    var unreadableHeaders: [Int64] = []

    func apply(to set: LocalSet) throws {
        let database = try DatabaseQueue(path: set.dataRoot.appendingPathComponent("store/evidence.sqlite").path)
        try database.write { db in
            for (seq, body) in bodies {
                try db.execute(sql: "UPDATE changes SET body = ? WHERE seq = ?", arguments: [body, seq])
            }
            for seq in unreadableHeaders {
                try db.execute(sql: "UPDATE changes SET committed_at = 1000000000000000 WHERE seq = ?", arguments: [seq])
            }
        }
        try database.close()
    }

    var seqs: Set<Int64> { Set(bodies.keys).union(unreadableHeaders) }
}

func submit(_ set: LocalSet, _ range: Range<Int>) async throws {
    let file = try temporaryFile("records.jsonl", SyntheticRecords.jsonLines(range))
    let run = try await ldn(["submit", file, "--ingest", set.ingest])
    #expect(run.status == 0, "\(run.stderr)")
}

/// Waits until the notifier's only watch has dealt with every change up to `seq`.
func waitForWatch(_ set: LocalSet, at seq: Int64) async throws {
    try await eventually("the watch reaches seq \(seq)", timeout: .seconds(60)) {
        (try? await watches(set).watches.first?.cursor) == seq
    }
}

@Suite("Followers never crash or stall on a change, keep their loops alive, and say how far behind they are", .serialized)
struct FollowerRobustnessTests {
    /// Records 0..<10 (SYNTHETIC) become record ids and seqs 1…10. The followers are down
    /// while 4…8 are written; the store is stopped and `damage` applied to some of those;
    /// then the store, the replica and the notifier restart and a fresh replica starts.
    /// Covers: a replica catching up through `changes` pages (restart), a fresh replica
    /// whose snapshot holds a damaged change, the notifier replaying the log for a watch
    /// (restart, then `watch replay`), and good changes after them arriving on the feed.
    func damagedLogScenario(_ damage: StoreDamage) async throws {
        let set = try await LocalSet.start(extraArguments: ["notifier": notifierTestArguments])
        defer { set.killAll() }
        #expect(try await ldn(["watch", "add", "everything", "--notifier", set.notifier]).status == 0)
        try await submit(set, 0..<3)
        _ = try await waitUntilCaughtUp(set.query, store: set.store)
        try await waitForWatch(set, at: 3)

        #expect(try await set.process("query")?.stop() == 0)
        #expect(try await set.process("notifier")?.stop() == 0)
        try await submit(set, 3..<8)
        #expect(try await set.process("evidence-store")?.stop() == 0)
        try damage.apply(to: set)
        try await set.start("evidence-store")
        let query = try await set.start("query")
        let notifier = try await set.start("notifier")
        let freshEndpoint = try freeEndpoint()
        let fresh = try await set.startExtra("query", bind: freshEndpoint, dataDirectory: "query-fresh")
        try await submit(set, 8..<10)  // later good changes, on the live feed

        let skipped = damage.seqs
        let good = Set(Int64(1)...10).subtracting(skipped)
        for (endpoint, process) in [(set.query, query), (freshEndpoint, fresh)] {
            let status = try await waitUntilCaughtUp(endpoint, store: set.store)
            #expect(status.counters["changes.skipped"] == skipped.count, "\(process.log.suffix(20))")
            #expect(status.counters["changes.quarantined"] == skipped.count)
            #expect(status.counters["records"] == good.count)
            #expect(status.sequence?.catchingUp == false && status.sequence?.lag == 0)
            let last = try #require(status.lastSkipped)
            #expect(last.seq == skipped.max()!, "the latest skip: \(last)")
            #expect(!last.reason.isEmpty)
            #expect(Set(try await replicaContents(endpoint).keys) == good, "the copy holds every record but the damaged ones")
            for seq in skipped {
                #expect(process.log.contains { $0.contains("error skipped a change that cannot be applied") && $0.contains("seq=\(seq)") },
                        "seq \(seq) is named in an error line")
            }
        }
        if !damage.unreadableHeaders.isEmpty {
            #expect(fresh.log.contains { $0.contains("a snapshot page does not read; building the copy from the store's log") })
        }

        // The notifier's watch replays the log from its cursor (3) past the damaged changes.
        try await waitForWatch(set, at: 10)
        let watch = try #require(try await watches(set).watches.first)
        #expect(watch.delivered == 3 + good.filter { $0 > 3 }.count)
        var notifierStatus = try await status(set.notifier)
        #expect(notifierStatus.counters["deliveries.skipped"] == skipped.count)
        #expect(notifierStatus.counters["changes.skipped"] == skipped.count)
        #expect(notifierStatus.lastSkipped.map { skipped.contains($0.seq) } == true)
        #expect(notifier.log.contains { $0.contains("skipped a change that cannot be applied") && $0.contains("watch=everything") })

        // A replay from the start goes past them again, and the notifier stays up.
        #expect(try await ldn(["watch", "replay", "everything", "--from", "1", "--notifier", set.notifier]).status == 0)
        let deliveredBefore = watch.delivered
        try await eventually("the replay is done") {
            let now = try await watches(set).watches.first
            return now?.cursor == 10 && now?.delivered == deliveredBefore + good.count
        }
        notifierStatus = try await status(set.notifier)
        #expect(notifierStatus.counters["deliveries.skipped"] == 2 * skipped.count)
        _ = try await set.stop()
    }

    @Test("A stored change that is not JSON, and one whose header does not read: replicas, a fresh replica and the notifier skip them and go on",
          .timeLimit(.minutes(3)))
    func damagedChangesAreSkipped() async throws {
        try await damagedLogScenario(StoreDamage(bodies: [5: Data("this is not JSON".utf8)], unreadableHeaders: [6]))
    }

    /// A SYNTHETIC record whose PMID is a number past Int64's range.
    static let hugePMID = Data(#"{"title":"SYNTHETIC record with a huge PMID","year":2020,"conditions":["crohns"],"design":"rct","identifiers":{"pmid":1e19}}"#.utf8)

    @Test("A stored record with \"pmid\": 1e19 is skipped by every follower instead of trapping",
          .timeLimit(.minutes(3)))
    func hugeNumberIsSkipped() async throws {
        try await damagedLogScenario(StoreDamage(bodies: [5: Self.hugePMID]))
    }

    @Test("A change the store accepts but no follower can apply is skipped live, from the feed; later changes still arrive",
          .timeLimit(.minutes(2)))
    func poisonOnTheFeed() async throws {
        let set = try await LocalSet.start(extraArguments: ["notifier": notifierTestArguments])
        defer { set.killAll() }
        #expect(try await ldn(["watch", "add", "everything", "--notifier", set.notifier]).status == 0)
        try await submit(set, 0..<2)
        _ = try await waitUntilCaughtUp(set.query, store: set.store)

        // What an internal peer could send the store: a `write` whose record is not JSON.
        let body = Data("this is not JSON".utf8)
        let item = WriteItem(key: "title:synthetic poison", doi: nil, pmid: nil, nct: nil, hash: ContentHash.fnv1a64(body), provenance: nil)
        let reply = try #require(try await raw(set.store, [Wire.versionFrame, Data(MessageType.write.utf8), Data("poison-1".utf8),
                                                           WriteRequest(records: [item]).jsonData, body]))
        guard reply.isOK, let written = try reply.decode(WriteReply.self).results.first?.seq else {
            // A store that checks what it commits refuses it: then no feed can carry it, and
            // the damaged-store tests above cover the paths through the store's log.
            _ = try await set.stop()
            return
        }
        try await submit(set, 2..<3)
        for endpoint in [set.query, set.notifier] {
            try await eventually("\(endpoint) skipped seq \(written)") {
                let status = try await status(endpoint)
                return status.lastSkipped?.seq == written && status.counters["changes.skipped"] == 1
            }
        }
        let replica = try await waitUntilCaughtUp(set.query, store: set.store)
        #expect(replica.counters["records"] == 3 && replica.counters["changes.quarantined"] == 1)
        try await waitForWatch(set, at: written + 1)
        #expect(try await watches(set).watches.first?.delivered == 3)
        #expect(try await status(set.notifier).counters["deliveries.skipped"] == 1)
        let statuses = try await set.stop()
        #expect(statuses.values.allSatisfy { $0 == 0 }, "every service stayed up and drained: \(statuses)")
    }

    @Test("Under a 20 000-record load, every answer's replica block tracks the store's head", .timeLimit(.minutes(5)))
    func lagIsTruthful() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest", "query"])
        defer { set.killAll() }
        let count: Int64 = 20_000, page: Int64 = 2000
        let file = try temporaryFile("load.jsonl", SyntheticRecords.jsonLines(0..<Int(count)))
        async let load = ldn(["submit", file, "--batch-size", "100", "--in-flight", "6", "--ingest", set.ingest])

        var heads: [(at: ContinuousClock.Instant, head: Int64)] = []
        var worstShortfall: Int64 = 0
        let deadline = ContinuousClock.now + .seconds(180)
        while true {
            guard ContinuousClock.now < deadline else { throw TestFailure("the replica did not reach seq \(count)") }
            let head = try #require(try await status(set.store).sequence?.head)
            heads.append((.now, head))
            let replica = try await request(set.query, Request(type: MessageType.query, id: UUID().uuidString,
                                                               body: QueryRequest(filter: EvidenceFilter(), limit: 1)))
                .decode(QueryReply.self).replica
            // The store publishes a commit group (here at most 6 × 100 records) just after it is
            // visible: the replica's head is at most that, and what is in transit, below the store's.
            worstShortfall = max(worstShortfall, head - replica.storeHead)
            // However busy the replica, its head probe keeps it within about a second of the store.
            let twoSecondsAgo = heads.last { $0.at <= .now - .seconds(2) }?.head ?? 0
            #expect(replica.storeHead >= twoSecondsAgo, "reported head \(replica.storeHead), the store's 2 s before: \(twoSecondsAgo)")
            if head - replica.applied > 2 * page {
                #expect(replica.catchingUp, "\(head - replica.applied) behind, yet not catching up: \(replica)")
            }
            if head == count && replica.applied == count && !replica.catchingUp { break }
        }
        #expect(worstShortfall <= page, "the replica's head was \(worstShortfall) below the store's")
        #expect(try await load.status == 0)
        _ = try await set.stop()
    }

    @Test("While the watch database is locked, a dead letter waits and is written after, and the notifier stays up",
          .timeLimit(.minutes(2)))
    func watchDatabaseFailureIsRetried() async throws {
        let set = try await LocalSet.start(extraArguments: ["notifier": notifierTestArguments])
        defer { set.killAll() }
        let receiver = try await WebhookReceiver(failFirst: 1000, failStatus: 503)
        let added = try await ldn(["watch", "add", "crohns", "--condition", "crohns", "--webhook", receiver.url, "--no-stream",
                                   "--notifier", set.notifier])
        try receiver.setSecret(try #require(secret(from: added.stdout)))

        // Another writer holds the notifier's database: its writes fail after their busy timeout.
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let lock = try DatabaseQueue(path: set.dataRoot.appendingPathComponent("notifier/notifier.sqlite").path,
                                     configuration: configuration)
        try await lock.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }
        try await submit(set, 0..<1)  // SYNTHETIC record 0 is about Crohn's disease
        let notifier = try #require(set.process("notifier"))
        try await eventually("a write to the watch database fails") { notifier.log.contains { $0.contains("cannot save") } }
        #expect(notifier.log.contains { $0.contains("cannot save to the watch database; retrying") && $0.contains("what=\"dead letter\"") })
        #expect((try await status(set.notifier).counters["watch_store.errors"] ?? 0) >= 1)
        try await lock.writeWithoutTransaction { try $0.execute(sql: "COMMIT") }
        try lock.close()

        try await eventually("the dead letter is written once the database is free") {
            let watch = try await watches(set).watches.first
            return watch?.deadLetters == 1 && watch?.cursor == 1
        }
        #expect(receiver.deliveries.count == 3, "three attempts, one dead letter: nothing sent twice")
        #expect(try await set.stop().values.allSatisfy { $0 == 0 })
    }

    @Test("A replica whose store goes away says it is catching up within seconds, and stops saying so once the store is back",
          .timeLimit(.minutes(2)))
    func unreachableStoreIsCatchingUp() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest", "query"])
        defer { set.killAll() }
        try await submit(set, 0..<10)
        _ = try await waitUntilCaughtUp(set.query, store: set.store)
        func replica() async throws -> ReplicaState {
            try await request(set.query, Request(type: MessageType.query, id: UUID().uuidString,
                                                 body: QueryRequest(filter: EvidenceFilter(), limit: 1))).decode(QueryReply.self).replica
        }
        func summaryReplica() async throws -> ReplicaState {
            try await request(set.query, Request(type: MessageType.summary, id: UUID().uuidString,
                                                 body: SummaryRequest(condition: "crohns"))).decode(SummaryReply.self).replica
        }
        #expect(try await replica().catchingUp == false)
        #expect(try await summaryReplica().catchingUp == false)  // now cached, until the replica applies a change
        try await set.kill9("evidence-store")
        let killed = ContinuousClock.now
        try await eventually("catching_up once the store is gone", timeout: .seconds(10)) { try await replica().catchingUp }
        #expect(ContinuousClock.now - killed < .seconds(8), "a head probe unanswered for 3 s says so")
        #expect(try await status(set.query).sequence?.catchingUp == true)
        #expect(try await summaryReplica().catchingUp == true, "a cached summary carries the replica's state as it is now")
        try await set.start("evidence-store")
        try await eventually("caught up again") { try await replica().catchingUp == false }
        _ = try await set.stop()
    }
}
