import Client
import CurveAuth
import EvidenceModel
import Foundation
import Logging
import ServiceKit
import Synchronization
import TestHarness
import Testing
import WireProtocol
import ZMQ

/// The set with CURVE keys on every socket (docs/SECURITY.md), tried as its users and an
/// intruder would: real processes, real keys, the real `ldn`.
@Suite("Security: keys, roles, ownership", .serialized)
struct SecurityTests {
    /// A keyed set with a reader, two submitters, a curator and two watchers on its allow-list.
    static func keyedSet(extra: [String: [String]] = [:]) async throws -> LocalSet {
        let keys = try TestKeys()
        for (name, roles) in [("alice", [Role.reader]), ("sam", [.submitter]), ("sue", [.submitter]), ("cora", [.curator]),
                              ("wendy", [.watcher]), ("walt", [.watcher])] {
            _ = try keys.directory.add(name: name, roles: Set(roles))
        }
        return try await LocalSet.start(extraArguments: extra, keys: keys)
    }

    static func record(_ title: String, participants: Int = 20) -> String {
        #"{"title":"SYNTHETIC \#(title)","year":2021,"authors":["Synthetic A"],"conditions":["fibromyalgia"],"design":"cohort","participants":\#(participants)}"#
    }

    func ldnAs(_ set: LocalSet, _ identity: String, _ arguments: [String]) async throws -> ClientRun {
        try await ldn(arguments + set.keys!.flags(identity), environment: set.clientEnvironment)
    }

    @Test("A key not on the allow-list is refused at once, and ldn says which endpoint refused which key and what to do",
          .timeLimit(.minutes(2)))
    func unknownKey() async throws {
        let set = try await Self.keyedSet()
        defer { set.killAll() }
        // A stranger who has the services' public keys but whose own key nobody added.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-stranger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let stranger = try CurveCertificate.generate(name: "stranger")
        try stranger.write(to: folder)
        try CurveCertificate(name: "query", publicKey: try set.keys!.directory.publicKey(of: "query"), secretKey: nil).write(to: folder)

        let started = ContinuousClock.now
        let failure = await #expect(throws: ClientError.self) {
            try await offPool {
                let security: [SocketOption] = [.curveServerKey(try set.keys!.directory.publicKey(of: "query")),
                                                .curvePublicKey(stranger.publicKey), .curveSecretKey(stranger.secretKey!)]
                _ = try Connection(context: try Context(), endpoint: set.query, timeout: .seconds(10), retries: 2, security: security)
                    .send(Request(type: MessageType.status, id: "stranger-1"))
            }
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(5), "the refusal took \(elapsed): it waited for the 10 s reply timeout")
        guard case .handshakeRefused(let endpoint, let reason) = failure else {
            Issue.record("expected a refused handshake, got \(String(describing: failure))")
            return
        }
        #expect(endpoint == set.query)
        #expect(reason.contains("not on the service's allow-list"), "\(reason)")

        let run = try await ldn(["query", "--keys", folder.path], environment: set.clientEnvironment)
        #expect(run.status == 1, "exit \(run.status): \(run.stderr)")
        #expect(run.stderr.contains("query at \(set.query) refused ldn's secure handshake as stranger (public key \(stranger.publicKey))"),
                "\(run.stderr)")
        #expect(run.stderr.contains("ldn keys add NAME --role ROLE"), "\(run.stderr)")
        try await set.process("query")!.waitForLine("connection refused: key not on the allow-list", stranger.publicKey)
        #expect(try await status(set.query, security: set.security(to: "query")).counters["handshakes.refused", default: 0] >= 1)
        _ = try await set.stop()
    }

    @Test("A plaintext client cannot talk to a keyed service, and is told the service needs keys", .timeLimit(.minutes(2)))
    func plaintextClient() async throws {
        let set = try await Self.keyedSet()
        defer { set.killAll() }
        let started = ContinuousClock.now
        let run = try await ldn(["query"], environment: set.clientEnvironment)
        // The message below is what shows the refusal was seen; the bound only rules out waiting
        // for reply timeouts (10 s each): 3.3 s was seen in the loaded first minutes of the suite.
        #expect(ContinuousClock.now - started < .seconds(9))
        #expect(run.status == 1, "exit \(run.status): \(run.stderr)")
        #expect(run.stderr.contains("query at \(set.query) refused ldn's plaintext connection: it requires CURVE keys"), "\(run.stderr)")
        #expect(run.stderr.contains("This service needs keys: pass --keys DIR"), "\(run.stderr)")
        _ = try await set.stop()
    }

    @Test("Roles decide: a reader cannot submit, a submitter cannot retract or replace another's record; a curator can",
          .timeLimit(.minutes(2)))
    func roles() async throws {
        let set = try await Self.keyedSet()
        defer { set.killAll() }
        let first = try temporaryFile("first.jsonl", Self.record("role study") + "\n")
        let changed = try temporaryFile("changed.jsonl", Self.record("role study", participants: 30) + "\n")

        let reader = try await ldnAs(set, "alice", ["submit", first])
        #expect(reader.status == 1)
        #expect(reader.stderr.contains("alice may not submit: that needs the submitter role, and alice has reader"), "\(reader.stderr)")
        #expect(reader.stderr.contains("ldn keys add NAME --role submitter"), "\(reader.stderr)")

        let submitted = try await ldnAs(set, "sam", ["submit", first])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let retract = try await ldnAs(set, "sam", ["retract", "1", "--reason", "test"])
        #expect(retract.status == 1)
        #expect(retract.stderr.contains("sam may not retract: that needs the curator role"), "\(retract.stderr)")

        let other = try await ldnAs(set, "sue", ["submit", changed, "--json"])
        #expect(other.status == 1, "\(other.stdout)\n\(other.stderr)")
        #expect(other.stdout.contains("was submitted by sam; only its submitter or a curator may replace it"), "\(other.stdout)")
        let own = try await ldnAs(set, "sam", ["submit", changed])
        #expect(own.status == 0 && own.stdout.contains("1 updated"), "\(own.stdout)\n\(own.stderr)")
        let curated = try await ldnAs(set, "cora", ["submit", first])
        #expect(curated.status == 0 && curated.stdout.contains("1 updated"), "\(curated.stdout)\n\(curated.stderr)")
        let retracted = try await ldnAs(set, "cora", ["retract", "1", "--reason", "test of the curator role"])
        #expect(retracted.status == 0, "\(retracted.stderr)")

        let forbidden = try await status(set.ingest, security: set.security(to: "ingest")).counters["requests.forbidden"] ?? 0
        #expect(forbidden == 2)
        try await set.process("ingest")!.waitForLine("forbidden", "identity=alice", "needs=submitter")
        _ = try await set.stop()
    }

    @Test("submitted_by is the key's identity, whatever the request claims", .timeLimit(.minutes(2)))
    func submitterFromKey() async throws {
        let set = try await Self.keyedSet()
        defer { set.killAll() }
        let body = #"{"submitter":"mallory","provenance":[{"submitted_by":"mallory"}]}"#
        let submit = Request(type: MessageType.submit, id: "claim-1", body: Data(body.utf8),
                             attachments: [Data(Self.record("claimed study").utf8)])
        let reply = try await request(set.ingest, submit, security: set.security("sam", to: "ingest"))
        #expect(try reply.decode(SubmitReply.self).accepted == 1)
        let got = try await request(set.query, Request(type: MessageType.get, id: "get-1", body: GetRequest(id: 1)),
                                    security: set.security("alice", to: "query"))
        #expect(try got.decode(GetReply.self).current.provenance?.submittedBy == "sam")
        _ = try await set.stop()
    }

    @Test("The store is internal: a client's key cannot reach it; admin can ask its status", .timeLimit(.minutes(2)))
    func storeIsInternal() async throws {
        let set = try await Self.keyedSet()
        defer { set.killAll() }
        let failure = await #expect(throws: ClientError.self) {
            _ = try await status(set.store, security: set.security("cora", to: "evidence-store"))
        }
        if case .handshakeRefused = failure {} else { Issue.record("expected a refused handshake, got \(String(describing: failure))") }
        #expect(try await status(set.store, security: set.security("admin", to: "evidence-store")).service == "evidence-store")
        _ = try await set.stop()
    }

    @Test("A watch is its owner's: others cannot list, remove, replay, resume or follow it", .timeLimit(.minutes(2)))
    func watchOwnership() async throws {
        let set = try await Self.keyedSet(extra: ["notifier": notifierTestArguments])
        defer { set.killAll() }
        let added = try await ldnAs(set, "wendy", ["watch", "add", "mine", "--condition", "fibromyalgia"])
        #expect(added.status == 0, "\(added.stderr)")

        let list = try await ldnAs(set, "walt", ["watch", "list", "--json"])
        #expect(list.status == 0 && !list.stdout.contains("\"mine\""), "\(list.stdout)")
        #expect(try await ldnAs(set, "admin", ["watch", "list", "--json"]).stdout.contains("\"mine\""))
        for command in [["watch", "rm", "mine"], ["watch", "replay", "mine", "--from", "1"], ["watch", "resume", "mine"]] {
            let run = try await ldnAs(set, "walt", command)
            #expect(run.status == 1, "\(command): \(run.stderr)")
            #expect(run.stderr.contains("belongs to another identity"), "\(command): \(run.stderr)")
        }
        let follow = try await ldnAs(set, "walt", ["watch", "follow", "mine", "--count", "1"])
        #expect(follow.status == 1 && follow.stderr.contains("no watch named \"mine\""), "\(follow.stderr)")

        // Straight to the stream: walt subscribes to the watch's topic and to everything; wendy to her watch.
        let owner = try await StreamSubscriber(set.stream, topic: WatchName.topic("mine"), security: set.security("wendy", to: "notifier"))
        let intruder = try await StreamSubscriber(set.stream, topic: WatchName.topic("mine"), security: set.security("walt", to: "notifier"))
        let everything = try await StreamSubscriber(set.stream, topic: Data(), security: set.security("walt", to: "notifier"))
        try await waitForSubscriber(set, watch: "mine")
        try await set.process("notifier")!.waitForLine("stream subscription refused", "identity=walt", "watch=mine")

        let file = try temporaryFile("match.jsonl", Self.record("watched study") + "\n")
        #expect(try await ldnAs(set, "sam", ["submit", file]).status == 0)
        let received = try await owner.next(within: .seconds(10))
        #expect(received != nil, "the owner got no match")
        #expect(try await intruder.next(within: .seconds(1)) == nil, "another identity read the watch's matches")
        #expect(try await everything.next(within: .milliseconds(200)) == nil, "an empty subscription read the watch's matches")
        for subscriber in [owner, intruder, everything] { await subscriber.close() }
        _ = try await set.stop()
    }

    @Test("A key rotated under load fails no request; the old key, once revoked, is refused, even on an open connection",
          .timeLimit(.minutes(2)))
    func rotation() async throws {
        let set = try await Self.keyedSet()
        defer { set.killAll() }
        let directory = set.keys!.directory
        let oldPair = try directory.keyPair(of: "alice")
        let serverKey = try directory.publicKey(of: "query")
        func options(_ pair: CurveCertificate) -> [SocketOption] {
            [.curveServerKey(serverKey), .curvePublicKey(pair.publicKey), .curveSecretKey(pair.secretKey!)]
        }
        // One connection stays open on the old key throughout.
        let held = try await ServiceClient(endpoint: set.query, name: "held", context: try Context(),
                                           logger: Logger(label: "test"), security: options(oldPair))
        let running = Task { try await held.run() }
        #expect(try await held.send(Request(type: MessageType.query, id: "held-1", body: QueryRequest(filter: EvidenceFilter()))).isOK)

        // Load: fresh connections (each a new handshake) with the key the client holds now.
        let current = Guarded(oldPair)
        let tally = Guarded((sent: 0, failed: [String]()))
        let load = Task {
            while !Task.isCancelled {
                let id = "load-\(tally.value.sent)"
                let reply = try? await request(set.query, Request(type: MessageType.query, id: id, body: QueryRequest(filter: EvidenceFilter())),
                                               security: options(current.value))
                tally.update {
                    if reply?.isOK != true { $0.failed.append("\(id): \(String(describing: reply?.errorBody))") }
                    $0.sent += 1
                }
            }
        }
        func loadGoesOn() async throws {
            let before = tally.value.sent
            try await eventually("10 more requests") { tally.value.sent >= before + 10 }
        }
        try await loadGoesOn()
        let (newPair, oldKeys) = try directory.rotate(name: "alice")
        #expect(oldKeys == [oldPair.publicKey])
        set.signalAll(SIGHUP)
        let keysWithBoth = try AllowList.read(from: directory.allowListURL).entries.count
        try await set.process("query")!.waitForLine("allow-list reloaded", "keys=\(keysWithBoth)")
        try await loadGoesOn()
        current.value = try directory.keyPair(of: "alice")
        #expect(current.value.publicKey == newPair.publicKey)
        try await loadGoesOn()
        _ = try directory.revoke(name: "alice", key: oldPair.publicKey)
        set.signalAll(SIGHUP)
        try await set.process("query")!.waitForLine("allow-list reloaded", "keys=\(keysWithBoth - 1)")
        try await loadGoesOn()
        load.cancel()
        await load.value
        let (sent, failed) = tally.value
        #expect(sent > 40, "only \(sent) requests during the rotation")
        #expect(failed.isEmpty, "\(failed.count) of \(sent) failed: \(failed.prefix(3))")

        let afterRevocation = try await held.send(Request(type: MessageType.query, id: "held-2", body: QueryRequest(filter: EvidenceFilter())))
        #expect(!afterRevocation.isOK && afterRevocation.errorBody.code == .forbidden, "\(afterRevocation.errorBody)")
        await #expect(throws: ClientError.self) {
            _ = try await status(set.query, security: options(oldPair))
        }
        running.cancel()
        _ = try? await running.value
        _ = try await set.stop()
    }

    @Test("Without keys a service will not listen beyond loopback, unless told --insecure", .timeLimit(.minutes(1)))
    func plaintextOnlyOnLoopback() async throws {
        let endpoint = "tcp://0.0.0.0:\(try freePort())"
        let refused = try await run(try Binaries.url("ldn-ingest").path, ["--bind", endpoint], timeout: .seconds(30))
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("refusing to listen on \(endpoint) without keys"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--keys DIR") && refused.stderr.contains("--insecure"), "\(refused.stderr)")
        // What --insecure allows is checked without binding beyond loopback.
        #expect(try ServiceSecurity(insecure: true).serverOptions(binding: endpoint).isEmpty)
        #expect(try ServiceSecurity(insecure: false).serverOptions(binding: "tcp://127.0.0.1:5550").isEmpty)
    }

    @Test("A Python client with pyzmq and the same certificate files submits and queries as docs/PROTOCOL.md shows",
          .timeLimit(.minutes(2)))
    func pythonClient() async throws {
        let set = try await Self.keyedSet()
        defer { set.killAll() }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/curve_client.py").path
        let run = try await TestHarness.run("/usr/bin/env", ["python3", script, "--keys", set.keys!.path, "--identity", "sam",
                                                             "--ingest", set.ingest, "--query", set.query])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("submitted: accepted 1"), "\(run.stdout)")
        #expect(run.stdout.contains("query: total 1"), "\(run.stdout)")
        _ = try await set.stop()
    }
}

/// A value the test and its load share: the key in use, the tally.
private final class Guarded<Value: Sendable>: Sendable {
    private let current: Mutex<Value>
    init(_ value: Value) { current = Mutex(value) }
    var value: Value {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }
    func update(_ change: (inout Value) -> Void) { current.withLock { change(&$0) } }
}
