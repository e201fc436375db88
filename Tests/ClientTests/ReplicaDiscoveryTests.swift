import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TestHarness
import Testing
import WireProtocol
import ZMQ
@testable import Client

/// What a test's name resolves to: the seam `AddressResolver` offers, changed as the test goes,
/// as swarm DNS changes during a rolling update.
final class TestDNS: Sendable {
    private let answers = Mutex<[String]?>(nil)
    func answer(_ addresses: [String]?) { answers.withLock { $0 = addresses } }
    var resolver: AddressResolver { AddressResolver { [self] _ in answers.withLock { $0 } } }
}

@Suite("ReplicaDiscovery: which endpoints a name stands for")
struct ReplicaDiscoveryTests {
    @Test("Literal addresses, wildcards, other transports and IPv6 are never resolved; host names are")
    func whatIsAName() {
        for endpoint in ["tcp://127.0.0.1:5570", "tcp://*:5570", "ipc:///tmp/x", "inproc://x", "tcp://[::1]:5570",
                         "tcp://10.0.0.1;tasks.query:5570", "tcp://query", "tcp://query:http"] {
            #expect(ReplicaDiscovery.hostName(in: endpoint) == nil, "\(endpoint)")
        }
        let name = ReplicaDiscovery.hostName(in: "tcp://tasks.query:5570")
        #expect(name?.host == "tasks.query" && name?.port == "5570")
        let literal = ReplicaDiscovery(endpoints: ["tcp://127.0.0.1:5570", "tcp://127.0.0.1:5571"])
        #expect(literal.nextCheck == nil, "nothing to resolve, so nothing to wake for")
        #expect(literal.current == ["tcp://127.0.0.1:5570", "tcp://127.0.0.1:5571"])
    }

    @Test("`localhost` goes through the system's getaddrinfo: one address, so the name is kept as given, as before")
    func localhostThroughGetaddrinfo() {
        #expect(AddressResolver.system.addresses(of: "localhost")?.contains("127.0.0.1") == true)
        #expect(AddressResolver.system.addresses(of: "no-such-host.invalid") == nil)
        var discovery = ReplicaDiscovery(endpoints: ["tcp://localhost:5570"])
        #expect(discovery.refresh().isEmpty)
        #expect(discovery.current == ["tcp://localhost:5570"])
    }

    @Test("Several addresses become one endpoint each; a change adds and removes; a failed lookup keeps what was there")
    func refreshes() {
        let dns = TestDNS()
        let start = ContinuousClock.now
        dns.answer(["127.0.0.2", "127.0.0.1", "127.0.0.1"])
        var discovery = ReplicaDiscovery(endpoints: ["tcp://replicas.test:5570", "tcp://127.0.0.9:5570"], interval: .seconds(2),
                                         resolver: dns.resolver, at: start)
        let first = discovery.refresh(at: start)
        #expect(first.added == ["tcp://127.0.0.1:5570", "tcp://127.0.0.2:5570"] && first.removed == ["tcp://replicas.test:5570"])
        #expect(discovery.current == ["tcp://127.0.0.1:5570", "tcp://127.0.0.2:5570", "tcp://127.0.0.9:5570"])
        dns.answer(["127.0.0.2", "127.0.0.3"])
        #expect(discovery.refresh(at: start + .seconds(1)).isEmpty, "not due yet")
        let second = discovery.refresh(at: start + .seconds(2))
        #expect(second == .init(added: ["tcp://127.0.0.3:5570"], removed: ["tcp://127.0.0.1:5570"]))
        dns.answer(nil)
        #expect(discovery.refresh(at: start + .seconds(4)).isEmpty, "a failed lookup drops nothing")
        dns.answer(["127.0.0.3"])
        let single = discovery.refresh(at: start + .seconds(6))
        #expect(single == .init(added: ["tcp://replicas.test:5570"], removed: ["tcp://127.0.0.2:5570", "tcp://127.0.0.3:5570"]),
                "one address: the name as given, which ZeroMQ resolves again on each reconnect")
    }

    @Test("LinkHealth counts only the endpoints there are: a removed one's late events mean nothing")
    func healthFollowsTheSet() {
        let (a, b, c) = ("tcp://127.0.0.1:1", "tcp://127.0.0.2:1", "tcp://127.0.0.3:1")
        var health = LinkHealth(endpoints: 2)
        #expect(health.heard(event(.connectRetried, a)) == nil)
        #expect(health.heard(event(.handshakeSucceeded, b)) == .up)
        health.endpointsChanged(added: [c], removed: [b], count: 2)
        #expect(health.heard(event(.disconnected, b)) == nil, "b was disconnected on purpose")
        #expect(health.heard(event(.connectRetried, c)) == .refused, "a and c refuse: every endpoint there is")
        health.endpointsChanged(added: [], removed: [c], count: 1)
        #expect(health.heard(event(.handshakeSucceeded, a)) == .up)
        #expect(health.heard(event(.connectRetried, c)) == nil && health.refusedSince == nil)
    }
}

/// Real ROUTERs on 127.0.0.1, .2 and .3, one port: replicas of one service behind one name.
@Suite("Finding replicas by name, over real sockets: requests spread over every address, and follow DNS", .serialized,
       .timeLimit(.minutes(2)))
struct ReplicaDiscoverySocketTests {
    static let hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]

    /// One answering peer per host, all on one port.
    static func replicas(_ context: Context) async throws -> (peers: [String: ScriptedPeer], port: String) {
        let answer: ScriptedPeer.Script = { request, _ in .ok(request, EmptyBody()) }
        for _ in 1...20 {
            let first = try await ScriptedPeer(context: context, bind: "tcp://\(hosts[0]):*", script: answer)
            let port = String(first.endpoint.split(separator: ":").last!)
            var peers = [hosts[0]: first]
            do {
                for host in hosts.dropFirst() {
                    peers[host] = try await ScriptedPeer(context: context, bind: "tcp://\(host):\(port)", script: answer)
                }
                return (peers, port)
            } catch {  // that port is taken on another address: try another
                for peer in peers.values { await peer.stop() }
            }
        }
        throw TestFailure("no port free on every loopback address")
    }

    static func counts(_ peers: [String: ScriptedPeer]) -> [String: Int] { peers.mapValues(\.received.count) }
    static func status(_ id: String) -> Request { Request(type: MessageType.status, id: id) }

    @Test("ldn's client: a name with two addresses reaches both; when DNS drops one and adds another, the client follows")
    func blockingFollowsDNS() async throws {
        let context = try Context()
        let (peers, port) = try await Self.replicas(context)
        let dns = TestDNS()
        dns.answer(["127.0.0.1", "127.0.0.2"])
        // The connection lives on one thread of its own, as in `ldn`: the whole conversation runs there.
        let outcome = try await offPool { () throws -> (reachedBoth: Bool, connected: [String], reachedNew: Bool, gone: Int) in
            let connection = Connection(context: context, endpoint: "tcp://replicas.test:\(port)", timeout: .seconds(5),
                                        resolveInterval: .milliseconds(100), resolver: dns.resolver)
            func send(_ count: Int, _ prefix: String) throws {
                try connection.send((0..<count).map { Self.status("\(prefix)-\($0)") }, window: 8) { _, _, _ in }
            }
            /// Sends batches until `condition` holds, for at most 20 s.
            func sendUntil(_ prefix: String, _ condition: () -> Bool) throws -> Bool {
                let deadline = ContinuousClock.now + .seconds(20)
                var batch = 0
                while ContinuousClock.now < deadline {
                    try send(4, "\(prefix)-\(batch)")
                    batch += 1
                    if condition() { return true }
                }
                return false
            }
            // DEALER round-robins over the connections up, which come up one by one.
            let reachedBoth = try sendUntil("a") { Self.counts(peers)["127.0.0.1"]! > 0 && Self.counts(peers)["127.0.0.2"]! > 0 }
            let connected = connection.connectedEndpoints
            dns.answer(["127.0.0.2", "127.0.0.3"])  // a rolling update: .1 went, .3 came
            let reachedNew = try sendUntil("b") { Self.counts(peers)["127.0.0.3"]! > 0 }
            let gone = Self.counts(peers)["127.0.0.1"]!
            try send(40, "c")
            return (reachedBoth, connected, reachedNew, gone)
        }
        #expect(outcome.reachedBoth, "both addresses get requests: \(Self.counts(peers))")
        #expect(outcome.connected == ["tcp://127.0.0.1:\(port)", "tcp://127.0.0.2:\(port)"])
        #expect(outcome.reachedNew, "the new address gets requests")
        let after = Self.counts(peers)
        #expect(after["127.0.0.1"] == outcome.gone, "the address DNS dropped gets nothing more: \(after)")
        #expect(after["127.0.0.3"]! > 1 && after["127.0.0.2"]! > 0, "\(after)")
        for peer in peers.values { await peer.stop() }
    }

    @Test("Between services: the same on the pump's thread, and a request to a replica that vanished is answered by another")
    func serviceClientFollowsDNS() async throws {
        let context = try Context()
        let (peers, port) = try await Self.replicas(context)
        let dns = TestDNS()
        dns.answer(["127.0.0.1", "127.0.0.2"])
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let client = try await ServiceClient(endpoint: "tcp://replicas.test:\(port)", name: "test-link", attemptTimeout: .seconds(1),
                                             attempts: 5, context: context, logger: logger,
                                             resolveInterval: .milliseconds(100), resolver: dns.resolver)
        let group = ServiceGroup(services: [client], logger: logger)
        let running = Task { try await group.run() }
        let sendMany: @Sendable (Int, String) async throws -> [Reply] = { count, prefix in
            try await withThrowingTaskGroup(of: Reply.self) { group in
                for index in 0..<count { group.addTask { try await client.send(Self.status("\(prefix)-\(index)")) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        try await eventually("both addresses get requests", timeout: .seconds(20)) {
            _ = try await sendMany(10, "a-\(UUID())")
            return Self.counts(peers)["127.0.0.1"]! > 0 && Self.counts(peers)["127.0.0.2"]! > 0
        }
        // .1 stops without a word (its task is removed), and DNS says .3 instead.
        await peers["127.0.0.1"]!.stop()
        dns.answer(["127.0.0.2", "127.0.0.3"])
        let replies = try await sendMany(40, "b")
        #expect(replies.count == 40 && replies.allSatisfy(\.isOK), "every request answered, by a replica still there")
        try await eventually("the new address gets requests", timeout: .seconds(20)) {
            _ = try await sendMany(4, "c-\(UUID())")
            return Self.counts(peers)["127.0.0.3"]! > 0
        }
        await group.triggerGracefulShutdown()
        try await running.value
        for peer in peers.values { await peer.stop() }
    }
}
