import Foundation
import SyntheticData
import TestHarness
import Testing
import WireProtocol

/// A new replica started from a ready peer's database image (`--image-from`), and every way
/// that can fail falling back to the store's snapshot.
@Suite("Query replicas: a new replica from an image", .serialized, .timeLimit(.minutes(3)))
struct ReplicaImageTests {
    /// A store with `records` synthetic records, and a replica that has caught up with them.
    func readySet(records: Int) async throws -> LocalSet {
        let set = try await LocalSet.start(["evidence-store", "ingest", "query"])
        let file = try temporaryFile("load.jsonl", SyntheticRecords.jsonLines(0..<records))
        let submitted = try await submitPatiently(file, ingest: set.ingest)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        _ = try await waitUntilCaughtUp(set.query, store: set.store)
        return set
    }

    @Test("A second replica started with --image-from a ready one never loads the snapshot, answers as the first does, and follows live changes after the image; a download a crash left in its folder is never taken for its database and is removed")
    func startsFromImage() async throws {
        let set = try await readySet(records: 600)
        defer { set.killAll() }
        let second = try freeEndpoint()
        // What a crash between download and rename leaves: a partial image under its download name.
        let folder = set.dataRoot.appendingPathComponent("query-2")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let leftover = folder.appendingPathComponent("query-image-download-crashed.sqlite")
        try Data(repeating: 0x5A, count: 50_000).write(to: leftover)
        let replica = try await set.startExtra("query", bind: second, dataDirectory: "query-2", extraArguments: ["--image-from", set.query])
        let caughtUp = try await waitUntilCaughtUp(second, store: set.store)
        #expect(replica.log.contains { $0.contains("replica started from an image") && $0.contains("seq=") }, "\(replica.log)")
        // The peer, quiet, copied its database file rather than going through the backup API (ImageCopy).
        let peerLog = set.process("query")?.log ?? []
        #expect(peerLog.contains { $0.contains("image built") && $0.contains("method=copy") }, "\(peerLog.filter { $0.contains("image") })")
        #expect(!replica.log.contains { $0.contains("loading a snapshot") }, "\(replica.log)")
        #expect(caughtUp.counters["image.installed"] == 1 && caughtUp.counters["image.fallbacks"] == 0, "\(caughtUp.counters)")
        #expect(caughtUp.counters["records"] == 600)
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
        for arguments in [["query", "--condition", "ms", "--design", "rct", "--json"], ["search", "quality", "--json"],
                          ["summary", "fibromyalgia", "--json"]] {
            let a = try await ldn(arguments + ["--query", set.query])
            let b = try await ldn(arguments + ["--query", second])
            #expect(a.status == 0 && a.stdout == b.stdout, "\(arguments)")
        }
        // After the image, the feed: changes made now reach the new replica too.
        let more = try temporaryFile("more.jsonl", SyntheticRecords.jsonLines(600..<700))
        #expect(try await submitPatiently(more, ingest: set.ingest).status == 0)
        _ = try await waitUntilCaughtUp(second, store: set.store)
        #expect(try await replicaContents(second) == storeContents(set.store))
        #expect(try await replica.stop() == 0)
        _ = try await set.stop()
    }

    @Test("With keys, a replica fetches the image as its own identity (role follower); a reader is refused image.open")
    func withKeys() async throws {
        let keys = try TestKeys()
        _ = try keys.directory.add(name: "alice", roles: [.reader])
        let set = try await LocalSet.start(["evidence-store", "ingest", "query"], keys: keys)
        defer { set.killAll() }
        let file = try temporaryFile("load.jsonl", SyntheticRecords.jsonLines(0..<300))
        let submitted = try await ldn(["submit", file] + keys.flags("admin"), environment: set.clientEnvironment)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let admin = (try set.security(to: "query"), try set.security(to: "evidence-store"))
        _ = try await waitUntilCaughtUp(set.query, store: set.store, security: admin)
        let second = try freeEndpoint()
        let replica = try await set.startExtra("query", bind: second, dataDirectory: "query-2", extraArguments: ["--image-from", set.query])
        let caughtUp = try await waitUntilCaughtUp(second, store: set.store, security: admin)
        #expect(caughtUp.counters["image.installed"] == 1, "\(replica.log)")
        let refused = try await request(set.query, Request(type: MessageType.imageOpen, id: "reader-open"),
                                        security: try set.security("alice", to: "query"))
        #expect(try WireJSON.decode(ErrorBody.self, from: refused.body).code == .forbidden)
        #expect(try await replica.stop() == 0)
        _ = try await set.stop()
    }

    @Test("No peer reachable: the replica falls back to the snapshot within seconds, says why, and counts it")
    func noPeerFallsBack() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest"])
        defer { set.killAll() }
        let file = try temporaryFile("load.jsonl", SyntheticRecords.jsonLines(0..<300))
        #expect(try await submitPatiently(file, ingest: set.ingest).status == 0)
        let started = ContinuousClock.now
        let replica = try await set.start("query", extraArguments: ["--image-from", try freeEndpoint()])
        let caughtUp = try await waitUntilCaughtUp(set.query, store: set.store, timeout: .seconds(30))
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(replica.log.contains { $0.contains("cannot start from an image") && $0.contains("reason=") }, "\(replica.log)")
        #expect(replica.log.contains { $0.contains("snapshot loaded") && $0.contains("records=300") })
        #expect(caughtUp.counters["image.fallbacks"] == 1 && caughtUp.counters["image.installed"] == 0, "\(caughtUp.counters)")
        _ = try await set.stop()
    }

    @Test("An image of another store's history is refused: the replica loads its own store's snapshot")
    func anotherStoreRefused() async throws {
        let other = try await readySet(records: 50)
        defer { other.killAll() }
        let set = try await LocalSet.start(["evidence-store", "ingest"])
        defer { set.killAll() }
        let file = try temporaryFile("load.jsonl", SyntheticRecords.jsonLines(100..<300))
        #expect(try await submitPatiently(file, ingest: set.ingest).status == 0)
        let replica = try await set.start("query", extraArguments: ["--image-from", other.query])
        let caughtUp = try await waitUntilCaughtUp(set.query, store: set.store)
        #expect(replica.log.contains { $0.contains("cannot start from an image") && $0.contains("store history") }, "\(replica.log)")
        #expect(caughtUp.counters["records"] == 200 && caughtUp.counters["image.fallbacks"] == 1, "\(caughtUp.counters)")
        #expect(try await replicaContents(set.query) == storeContents(set.store))
        _ = try await set.stop()
        _ = try await other.stop()
    }

    @Test("Hostile image requests get structured errors and the replica keeps serving; a replica catching up serves no image")
    func hostileRequests() async throws {
        let set = try await readySet(records: 100)
        defer { set.killAll() }
        func ask(_ type: String, _ body: String) async throws -> Reply {
            try await request(set.query, Request(type: type, id: UUID().uuidString, body: Data(body.utf8)))
        }
        func code(_ reply: Reply) -> ErrorCode? { try? WireJSON.decode(ErrorBody.self, from: reply.body).code }
        let opened = try await ask(MessageType.imageOpen, "{}").decode(ImageOpenReply.self)
        #expect(opened.bytes > 0 && opened.chunkBytes > 0 && opened.sha256.count == 64)
        #expect(code(try await ask(MessageType.imageOpen, #"{"size":1}"#)) == .invalidRequest)
        #expect(code(try await ask(MessageType.imageChunk, #"{"image":"nope","offset":0}"#)) == .notFound)
        for offset in ["-1", "3", "\(opened.bytes)", "9223372036854775807"] {
            let reply = try await ask(MessageType.imageChunk, #"{"image":"\#(opened.image)","offset":\#(offset)}"#)
            #expect(code(reply) == .invalidRequest, "offset \(offset)")
        }
        for body in [#"{"image":"x"}"#, #"{"offset":0}"#, #"{"image":1,"offset":0}"#, #"{"image":"x","offset":1e400}"#,
                     #"{"image":"\#(String(repeating: "a", count: 100_000))","offset":0}"#] {
            let reply = try await ask(MessageType.imageChunk, body)
            #expect(!reply.isOK && code(reply) != nil && code(reply) != .internal, "\(body.prefix(60))")
        }
        // The first chunk, as a client checks it.
        let first = try await ask(MessageType.imageChunk, #"{"image":"\#(opened.image)","offset":0}"#)
        let chunk = try first.decode(ImageChunkReply.self)
        #expect(chunk.bytes == min(opened.chunkBytes, Int(opened.bytes)) && first.attachments.first?.count == chunk.bytes)
        #expect(try await status(set.query).counters["records"] == 100)

        // A replica that cannot reach its store is catching up: no image, and it says when to ask again.
        let lonely = try await LocalSet.start(["query"])
        defer { lonely.killAll() }
        let refused = try await request(lonely.query, Request(type: MessageType.imageOpen, id: "open-1"))
        let error = try WireJSON.decode(ErrorBody.self, from: refused.body)
        #expect(error.code == .unavailable && (error.retryAfterMs ?? 0) > 0)
        _ = try await lonely.stop()
        _ = try await set.stop()
    }
}
