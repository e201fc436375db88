import EvidenceModel
import Foundation
import GRDB
import Synchronization
import SyntheticData
import TestHarness
import Testing
import WireProtocol
import ZMQ

/// The store's defences, against the real executables: raw requests no honest client would
/// send, a database file changed behind the store's back, and a database locked by someone else.
@Suite("The store trusts nothing it is sent, and notices what changed on disk", .serialized, .timeLimit(.minutes(2)))
struct StoreIntegrityTests {
    // MARK: Item 1: the store checks what it commits

    @Test("A write the store cannot trust is rejected record by record, the rest is stored, and a fresh replica loads it")
    func untrustedWriter() async throws {
        let set = try await LocalSet.start(["evidence-store"])
        defer { set.killAll() }
        let good = SyntheticRecords.record(1), lying = SyntheticRecords.record(2)
        var lyingItem = Self.item(lying)
        lyingItem.key = "doi:10.5555/someone-else"
        var spaced = SyntheticRecords.record(3).jsonData
        spaced.insert(UInt8(ascii: " "), at: 1)
        let reply = try #require(try await Self.write(set.store, [
            (Self.item(good), Data("this is not JSON".utf8)),
            (Self.item(SyntheticRecords.record(4)), Data(#"{"title":"SYNTHETIC","year":2020,"design":"rct"}"#.utf8)),
            (lyingItem, lying.jsonData),
            (Self.item(SyntheticRecords.record(3)), spaced),
            (Self.item(good), good.jsonData),
        ]), "the store answers")
        let results = try reply.decode(WriteReply.self).results
        #expect(results.map(\.outcome) == [.rejected, .rejected, .rejected, .rejected, .accepted])
        #expect(results[0].errors?.first?.message.contains("invalid JSON") == true)
        #expect(results[1].errors?.map(\.field).contains("conditions") == true)
        #expect(results[2].errors?.map(\.field) == ["key"])
        #expect(results[3].errors?.first?.message.contains("not in canonical form") == true)

        let log = try await Self.changes(set.store)
        #expect(log.changes.map(\.key) == ["doi:10.5555/synthetic.1"])
        // What a follower loads is only what the store could check.
        try await set.start("query")
        try await eventually("the replica applied the stored change", timeout: .seconds(20)) {
            (try? await status(set.query).sequence?.applied) == 1
        }
        let statuses = try await set.stop()
        #expect(statuses.values.allSatisfy { $0 == 0 })
    }

    // MARK: Item 7: numbers past every integer limit

    /// Fails (the store dies) until JSONFields checks integer ranges: the lead's JSON change.
    @Test("Numbers past the integer limits in a write are answered, and the store stays up")
    func hugeNumbers() async throws {
        let set = try await LocalSet.start(["evidence-store"])
        defer { set.killAll() }
        for recordNumber in ["1e300", "1e19", "-1e19"] {
            let record = SyntheticRecords.record(5)
            let item = String(decoding: Self.item(record).jsonData, as: UTF8.self)
                .replacingOccurrences(of: #""provenance":{"#, with: #""provenance":{"record_number":\#(recordNumber),"#)
            let reply = try await raw(set.store, Self.frames("write", body: #"{"records":[\#(item)]}"#, [record.jsonData]))
            #expect(reply != nil, "the store answers a write with record_number \(recordNumber)")
            #expect(try await status(set.store).service == "evidence-store")
        }
        let pmid = Data(#"{"title":"SYNTHETIC huge PMID","year":2020,"conditions":["ms"],"design":"rct","identifiers":{"pmid":1e19}}"#.utf8)
        let reply = try await raw(set.store, Self.frames("write", body: #"{"records":[{"key":"pmid:1","pmid":"1","hash":"0"}]}"#, [pmid]))
        #expect(try reply?.decode(WriteReply.self).results.first?.outcome == .rejected, "a PMID of 1e19 is rejected")
        for (type, body) in [("changes", #"{"after":1e300}"#), ("snapshot", #"{"after_id":1e19,"limit":1e19}"#),
                             ("get", #"{"id":1e19}"#), ("retract", #"{"id":-1e300,"reason":"x"}"#)] {
            #expect(try await raw(set.store, Self.frames(type, body: body, [])) != nil, "\(type) \(body) is answered")
        }
        #expect(try await status(set.store).service == "evidence-store")
        _ = try await set.stop()
    }

    // MARK: Item 2: one record never fails the group

    @Test("A record naming two stored studies is a conflict naming both; its neighbours are stored; ldn shows it")
    func identifierConflict() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest"])
        defer { set.killAll() }
        // Real studies: Smith 2011 known so far by its DOI only, Smith 2007 by its PMID.
        let stored = try temporaryFile("stored.jsonl", """
            {"title":"Therapy with the opioid antagonist naltrexone promotes mucosal healing in active Crohn's disease: a randomized placebo-controlled trial.","year":2011,"authors":["Smith JP"],"identifiers":{"doi":"10.1007/s10620-011-1653-7"},"conditions":["Crohn disease"],"design":"rct","participants":40,"dose_mg":4.5}
            {"title":"Low-dose naltrexone therapy improves active Crohn's disease.","year":2007,"authors":["Smith JP"],"identifiers":{"pmid":"17222320"},"conditions":["Crohn's disease"],"design":"open-label","participants":17,"dose_mg":4.5}

            """)
        #expect(try await ldn(["submit", stored, "--ingest", set.ingest]).stdout.contains("2 accepted"))
        // A deliberately inconsistent record (the 2011 trial's DOI with the 2007 study's PMID), next to a sound one.
        let mixed = try temporaryFile("mixed.jsonl", """
            {"title":"Low dose naltrexone for induction of remission in inflammatory bowel disease patients.","year":2018,"authors":["Lie MRKL"],"identifiers":{"pmid":"29523156","doi":"10.1186/s12967-018-1427-5"},"conditions":["Crohn's disease","ulcerative colitis"],"design":"open-label","participants":47}
            {"title":"Therapy with the opioid antagonist naltrexone promotes mucosal healing in active Crohn's disease: a randomized placebo-controlled trial.","year":2011,"authors":["Smith JP"],"identifiers":{"doi":"10.1007/s10620-011-1653-7","pmid":"17222320"},"conditions":["Crohn disease"],"design":"rct","participants":40,"dose_mg":4.5}

            """)
        let run = try await ldn(["submit", mixed, "--ingest", set.ingest, "--request-id", "conflict-test"])
        #expect(run.stdout.contains("1 accepted, 0 duplicate, 0 updated, 0 rejected, 1 conflict."), "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("conflict \(mixed) line 2: identifiers.pmid: PMID 17222320 belongs to stored record 2 (pmid:17222320)"),
                "\(run.stderr)")
        #expect(run.stderr.contains("stored record 1 (doi:10.1007/s10620-011-1653-7)"), "\(run.stderr)")
        let again = try await ldn(["submit", mixed, "--ingest", set.ingest, "--request-id", "conflict-test"])
        #expect(again.stdout.contains("1 accepted, 0 duplicate, 0 updated, 0 rejected, 1 conflict."), "a retry: the same answer")
        let store = try await status(set.store)
        #expect(store.counters["records"] == 3 && store.counters["errors"] == 0)
        _ = try await set.stop()
    }

    // MARK: Item 3: a request id names one request

    @Test("Re-sending an edited file under the same request id is refused, naming the id; the same file is replayed")
    func reusedRequestID() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest", "query"])
        defer { set.killAll() }
        let original = try temporaryFile("batch.jsonl", SyntheticRecords.jsonLines(0..<2))
        let edited = try temporaryFile("batch.jsonl", SyntheticRecords.jsonLines(0..<2, variant: 1))
        let first = try await ldn(["submit", original, "--ingest", set.ingest, "--request-id", "reuse"])
        #expect(first.stdout.contains("2 accepted"), "\(first.stdout)\(first.stderr)")

        let reused = try await ldn(["submit", edited, "--ingest", set.ingest, "--request-id", "reuse"])
        #expect(reused.status != 0)
        #expect(reused.stderr.contains(#"request id "reuse-1" was already used for a request with different content"#),
                "\(reused.stdout)\(reused.stderr)")
        let stored = try await ldn(["get", "10.5555/synthetic.0", "--history", "--query", set.query])
        #expect(stored.stdout.contains("Variant 0") && !stored.stdout.contains("version 2"), "the edits were not silently dropped as done")

        let repeated = try await ldn(["submit", original, "--ingest", set.ingest, "--request-id", "reuse"])
        #expect(repeated.status == 0 && repeated.stdout.contains("2 accepted"), "the original answer, replayed")
        _ = try await set.stop()
    }

    // MARK: Item 4: history is immutable

    @Test("After a re-key the log keeps each change's key: changes, get, snapshot and the feed carry the same headers")
    func reKeyKeepsHistory() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest"])
        defer { set.killAll() }
        let feed = try FeedListener(set.feed)
        defer { feed.stop() }
        // The feed drops what is published before the subscription arrives (slow joiner): publish
        // SYNTHETIC probes until one is delivered.
        var delivered = false
        for probe in 1...20 where !delivered {
            let file = try temporaryFile("probe.jsonl", SyntheticRecords.jsonLines(probe..<(probe + 1)))
            _ = try await ldn(["submit", file, "--ingest", set.ingest])
            delivered = (try? await eventually("a probe delivered", timeout: .seconds(1)) { !feed.headers.isEmpty }) != nil
        }
        try #require(delivered, "the feed delivers to the test's subscriber")
        // A real study first stored with its PMID only, then with its DOI too.
        let pmidOnly = try temporaryFile("smith.jsonl", #"""
            {"title":"Therapy with the opioid antagonist naltrexone promotes mucosal healing in active Crohn's disease: a randomized placebo-controlled trial.","year":2011,"authors":["Smith JP"],"identifiers":{"pmid":"21380937"},"conditions":["Crohn disease"],"design":"rct","participants":40}

            """#)
        let withDOI = try temporaryFile("smith.jsonl", #"""
            {"title":"Therapy with the opioid antagonist naltrexone promotes mucosal healing in active Crohn's disease: a randomized placebo-controlled trial.","year":2011,"authors":["Smith JP"],"identifiers":{"pmid":"21380937","doi":"10.1007/s10620-011-1653-7"},"conditions":["Crohn disease"],"design":"rct","participants":40}

            """#)
        #expect(try await ldn(["submit", pmidOnly, "--ingest", set.ingest]).stdout.contains("1 accepted"))
        #expect(try await ldn(["submit", withDOI, "--ingest", set.ingest]).stdout.contains("1 updated"))

        let log = try await Self.changes(set.store).changes.filter { $0.key.contains("21380937") || $0.key.contains("s10620") }
        #expect(log.map(\.key) == ["pmid:21380937", "doi:10.1007/s10620-011-1653-7"])
        #expect(log.map(\.previousKey) == [nil, "pmid:21380937"])
        let history = try await request(set.store, Request(type: MessageType.get, id: "h",
                                                           body: GetRequest(pmid: "21380937", history: true)))
        #expect(try history.decode(GetReply.self).history?.map(\.jsonData) == log.map(\.jsonData))
        try await eventually("the feed delivered both changes") { feed.headers.count { $0.recordID == log[0].recordID } == 2 }
        let published = feed.headers.filter { $0.recordID == log[0].recordID }
        #expect(published.map(\.jsonData) == log.map(\.jsonData), "the feed and the log carry the same headers, byte for byte")
        _ = try await set.stop()
    }

    // MARK: Item 5: damage on disk

    @Test("A byte changed inside a stored record is found: get refuses it, changes and snapshot mark it, verify reports it")
    func damagedRecord() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest", "query"])
        defer { set.killAll() }
        let file = try temporaryFile("two.jsonl", SyntheticRecords.jsonLines(0..<2))
        #expect(try await ldn(["submit", file, "--ingest", set.ingest]).stdout.contains("2 accepted"))
        let dataDir = set.dataRoot.appendingPathComponent("store").path

        let clean = try await run(try Binaries.url("ldn-evidence-store").path, ["verify", "--data-dir", dataDir])
        #expect(clean.status == 0, "verify runs beside the running store: \(clean.stdout)\(clean.stderr)")
        #expect(clean.stdout.contains("2 changes (head seq 2), 2 records checked; no damage found"), "\(clean.stdout)")

        #expect(try await set.process("evidence-store")!.stop() == 0)
        try Self.changeOneByte(seq: 1, in: dataDir)
        let damaged = try await run(try Binaries.url("ldn-evidence-store").path, ["verify", "--data-dir", dataDir])
        #expect(damaged.status == 1)
        #expect(damaged.stdout.contains("seq=1 record=1: the stored record JSON does not match the hash it was committed with"),
                "\(damaged.stdout)")
        #expect(damaged.stdout.contains("1 problem found; restore the database from a backup"))

        let store = try await set.start("evidence-store")
        let get = try await ldn(["get", "10.5555/synthetic.0", "--query", set.query])
        #expect(get.status != 0)
        #expect(get.stderr.contains("record 1 (doi:10.5555/synthetic.0) is damaged") && get.stderr.contains("ldn-evidence-store verify"),
                "\(get.stdout)\(get.stderr)")
        let page = try await Self.changes(set.store)
        #expect(page.changes.map { $0.damaged != nil } == [true, false])
        #expect(page.attachments.map(\.isEmpty) == [true, false], "a damaged change comes with an empty record frame")
        let snapshot = try #require(try await raw(set.store, Self.frames("snapshot", body: #"{"after_id":0}"#, [])))
        #expect(try snapshot.decode(SnapshotReply.self).records.map { $0.damaged != nil } == [true, false])
        #expect(snapshot.attachments.map(\.isEmpty) == [true, false])

        try await store.waitForLine("error", "damaged change", "seq=1", "record.id=1")
        #expect(try await status(set.store).counters["changes.damaged"] ?? 0 >= 3)
        _ = try await set.stop()
    }

    @Test("verify says when it cannot run, with exit status 2")
    func verifyCannotRun() async throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-none-\(UUID().uuidString)").path
        let result = try await run(try Binaries.url("ldn-evidence-store").path, ["verify", "--data-dir", missing])
        #expect(result.status == 2)
        #expect(result.stderr.contains("cannot check") && result.stderr.contains("no such file"), "\(result.stderr)")
    }

    // MARK: Item 6: background loops never end the store

    @Test("A prune that fails (database locked by another program) is logged and counted, and the store keeps running")
    func pruneFailureKeepsStore() async throws {
        let set = try await LocalSet.start(["evidence-store"], extraArguments: ["evidence-store": ["--prune-interval-seconds", "1"]])
        defer { set.killAll() }
        let store = try #require(set.process("evidence-store"))
        let path = set.dataRoot.appendingPathComponent("store").appendingPathComponent("evidence.sqlite").path
        // Another program (a backup tool, an sqlite3 shell) holds the write lock longer than the
        // store waits for it (5 s), so the next prune fails.
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true  // the lock outlives one database access, on purpose
        let other = try DatabaseQueue(path: path, configuration: configuration)
        try other.inDatabase { db in try db.execute(sql: "BEGIN IMMEDIATE") }
        try await store.waitForLine("prune failed", timeout: .seconds(30))
        try other.inDatabase { db in try db.execute(sql: "ROLLBACK") }
        #expect(try await status(set.store).counters["prune.failures"] ?? 0 >= 1)
        let item = Self.item(SyntheticRecords.record(0))
        let written = try await Self.write(set.store, [(item, SyntheticRecords.record(0).jsonData)])
        #expect(try written?.decode(WriteReply.self).results.first?.outcome == .accepted, "still writing after the failed prune")
        #expect(try await store.stop() == 0, "a clean stop, not serviceFinishedUnexpectedly")
        _ = try await set.stop()
    }
}

// MARK: Helpers

extension StoreIntegrityTests {
    static func item(_ record: EvidenceRecord) -> WriteItem {
        WriteItem(record, canonical: record.jsonData, provenance: Provenance(submittedBy: "test", sourceFile: "synthetic.jsonl"))
    }

    static func frames(_ type: String, body: String, _ attachments: [Data], id: String = UUID().uuidString) -> [Data] {
        [Data("LDN/1".utf8), Data(type.utf8), Data(id.utf8), Data(body.utf8)] + attachments
    }

    /// A `write` straight to the store, as only ingest (or someone pretending to be it) sends one.
    static func write(_ store: String, _ records: [(WriteItem, Data)]) async throws -> Reply? {
        let body = String(decoding: WriteRequest(records: records.map(\.0)).jsonData, as: UTF8.self)
        return try await raw(store, frames("write", body: body, records.map(\.1)))
    }

    static func changes(_ store: String) async throws -> (changes: [ChangeHeader], attachments: [Data]) {
        let reply = try #require(try await raw(store, frames("changes", body: #"{"after":0}"#, [])))
        return (try reply.decode(ChangesReply.self).changes, reply.attachments)
    }

    /// Changes one byte inside a stored change's record JSON, as disk damage would, leaving
    /// the file a sound SQLite database (its integrity check passes).
    static func changeOneByte(seq: Int64, in dataDir: String) throws {
        let queue = try DatabaseQueue(path: URL(fileURLWithPath: dataDir).appendingPathComponent("evidence.sqlite").path)
        try queue.write { db in
            var body = try #require(try Data.fetchOne(db, sql: "SELECT body FROM changes WHERE seq = ?", arguments: [seq]))
            body[body.startIndex + 20] ^= 0x01
            try db.execute(sql: "UPDATE changes SET body = ? WHERE seq = ?", arguments: [body, seq])
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
        }
    }
}

/// Collects the change headers published on the store's feed, on a thread of its own.
final class FeedListener: Sendable {
    private let received = Mutex<[ChangeHeader]>([])
    private let stopping = Atomic<Bool>(false)

    init(_ endpoint: String) throws {
        let socket = try Context().socket(.sub)
        try socket.set([.linger(milliseconds: 0), .receiveTimeout(milliseconds: 100), .subscribe(Data("all".utf8))])
        try socket.connect(endpoint)
        nonisolated(unsafe) let owned = socket  // handed to the thread, used only there
        Thread { [self] in
            defer { owned.close() }
            while !stopping.load(ordering: .relaxed) {
                guard let frames = try? owned.receive(), frames.count == 5,
                      let header = try? WireJSON.decode(ChangeHeader.self, from: frames[3]) else { continue }
                received.withLock { $0.append(header) }
            }
        }.start()
    }

    var headers: [ChangeHeader] { received.withLock { $0 } }

    func stop() { stopping.store(true, ordering: .relaxed) }
}
