import Foundation
import TestHarness
import Testing
import ZMQ

/// Each test's sockets live and block on a thread of their own (`offPool`): a blocking
/// receive on the cooperative pool would starve tests running beside it, such as the
/// SocketPump tests' serving tasks. The work returns what it saw; the test checks it.
@Suite("Socket patterns over real loopback and inproc sockets")
struct SocketPatternTests {
    let context: Context
    init() throws { context = try Context() }

    @Test("REQ/REP round trip over tcp://127.0.0.1")
    func requestReply() async throws {
        let (request, reply) = try await offPool { [context] in
            let server = try socket(context, .rep)
            let client = try socket(context, .req)
            try client.connect(try bindEphemeral(server))
            try client.send(frames("ping", "1"))
            let request = strings(try server.receive())
            try server.send(frames("pong"))
            return (request, strings(try client.receive()))
        }
        #expect(request == ["ping", "1"])
        #expect(reply == ["pong"])
    }

    @Test("ROUTER answers a REQ peer by echoing its envelope, delimiter included")
    func routerAnswersReq() async throws {
        let (request, reply) = try await offPool { [context] in
            let router = try socket(context, .router)
            let req = try socket(context, .req)
            try req.connect(try bindEphemeral(router))
            try req.send(frames("status"))
            guard let request = try router.receive() else { return (Multipart(), [String]()) }
            try router.send([request[0], Data(), Data("ok".utf8)])
            return (request, strings(try req.receive()))
        }
        #expect(request.count == 3)
        #expect(request.count > 1 && request[1].isEmpty, "REQ adds an empty delimiter after the identity")
        #expect(reply == ["ok"])
    }

    @Test("ROUTER answers several DEALER peers, each by its identity")
    func routerAnswersDealers() async throws {
        let (frameCounts, replies) = try await offPool { [context] in
            let router = try socket(context, .router)
            try router.set(.routerMandatory(true))
            let endpoint = try bindEphemeral(router)
            let dealers = try (0..<3).map { index -> Socket in
                let dealer = try socket(context, .dealer)
                try dealer.set(.identity(Data("dealer-\(index)".utf8)))
                try dealer.connect(endpoint)
                return dealer
            }
            for (index, dealer) in dealers.enumerated() { try dealer.send(frames("hello \(index)")) }
            var frameCounts: [Int] = []
            for _ in dealers {
                guard let request = try router.receive() else { break }
                frameCounts.append(request.count)
                let body = String(decoding: request[1], as: UTF8.self)
                try router.send([request[0], Data("reply to \(body)".utf8)])
            }
            return (frameCounts, try dealers.map { strings(try $0.receive()) })
        }
        #expect(frameCounts == [2, 2, 2], "a DEALER adds no delimiter")
        #expect(replies == (0..<3).map { ["reply to hello \($0)"] })
    }

    @Test("ROUTER_MANDATORY reports a reply to an unknown peer as EHOSTUNREACH")
    func routerMandatory() async throws {
        let error = try await offPool { [context] () -> ZMQError? in
            let router = try socket(context, .router)
            try router.set(.routerMandatory(true))
            _ = try bindEphemeral(router)
            do {
                try router.send([Data("nobody".utf8), Data("lost".utf8)])
                return nil
            } catch let error as ZMQError {
                return error
            }
        }
        #expect(error?.code == EHOSTUNREACH)
        #expect(error?.message == "Host unreachable")
    }

    @Test("PUB/SUB delivers only subscribed topics")
    func publishSubscribe() async throws {
        let received = try await offPool { [context] in
            let publisher = try socket(context, .pub)
            let subscriber = try socket(context, .sub, timeout: 50)
            try subscriber.set(.subscribe(Data("crohns".utf8)))
            try subscriber.connect(try bindEphemeral(publisher))
            // Slow joiner: publish until the subscription has reached the publisher.
            var received: [String] = []
            for attempt in 0..<100 where received.isEmpty {
                try publisher.send(frames("fibromyalgia", "skip \(attempt)"))
                try publisher.send(frames("crohns", "take \(attempt)"))
                received = strings(try subscriber.receive())
            }
            return received
        }
        #expect(received.first == "crohns")
        #expect(received.last?.hasPrefix("take") == true)
    }

    @Test("PUSH/PULL over inproc:// keeps message order")
    func pushPullInproc() async throws {
        let received = try await offPool { [context] in
            let pull = try socket(context, .pull)
            try pull.bind("inproc://pipeline-test")
            let push = try socket(context, .push)
            try push.connect("inproc://pipeline-test")
            for index in 0..<100 { try push.send(frames("\(index)")) }
            return try (0..<100).map { _ in strings(try pull.receive()) }
        }
        #expect(received == (0..<100).map { ["\($0)"] })
    }

    @Test("A receive timeout returns nil after about the timeout")
    func receiveTimeout() async throws {
        let (message, waited) = try await offPool { [context] in
            let rep = try socket(context, .rep, timeout: 150)
            _ = try bindEphemeral(rep)
            let started = ContinuousClock.now
            let message = try rep.receive()
            return (message, ContinuousClock.now - started)
        }
        #expect(message == nil)
        #expect(waited >= .milliseconds(140) && waited < .seconds(6), "a 150 ms timeout, on a machine that may be busy")
    }

    @Test("ZMQ_MAXMSGSIZE drops an oversized frame with its connection; the socket keeps serving others")
    func maxMessageSize() async throws {
        let (oversized, fits) = try await offPool { [context] in
            let server = try socket(context, .router, timeout: 300)
            try server.set(.maxMessageSize(bytes: 1024))
            let endpoint = try bindEphemeral(server)
            let big = try socket(context, .dealer)
            try big.connect(endpoint)
            try big.send([Data(count: 4096)])
            let oversized = try server.receive()
            let small = try socket(context, .dealer)
            try small.connect(endpoint)
            try small.send(frames("fits"))
            return (oversized, strings(try server.receive()))
        }
        #expect(oversized == nil, "the oversized message never arrives")
        #expect(fits.last == "fits")
    }

    @Test("Poller reports which of several sockets is readable")
    func poller() async throws {
        let (idle, ready, firstReadable, secondReadable) = try await offPool { [context] in
            let first = try socket(context, .pull)
            let second = try socket(context, .pull)
            try first.bind("inproc://poll-first")
            try second.bind("inproc://poll-second")
            let push = try socket(context, .push)
            try push.connect("inproc://poll-second")
            var poller = Poller()
            let firstIndex = poller.add(first)
            let secondIndex = poller.add(second)
            let idle = try poller.poll(timeoutMilliseconds: 50)
            try push.send(frames("here"))
            let ready = try poller.poll(timeoutMilliseconds: 2000)
            return (idle, ready, poller.events(at: firstIndex).contains(.readable),
                    poller.events(at: secondIndex).contains(.readable))
        }
        #expect(idle == 0)
        #expect(ready == 1)
        #expect(!firstReadable)
        #expect(secondReadable)
    }

    @Test("Errors carry zmq_strerror's text and errno")
    func errors() throws {
        // No blocking call here: binds and connects return at once.
        let first = try socket(context, .rep)
        let endpoint = try bindEphemeral(first)
        let second = try socket(context, .rep)
        let error = #expect(throws: ZMQError.self) { try second.bind(endpoint) }
        #expect(error?.code == EADDRINUSE)
        #expect(error?.description.contains("Address already in use") == true)
        #expect(throws: ZMQError.self) { try second.connect("nonsense://here") }
    }

    @Test("CURVE: an encrypted REQ/REP round trip with generated keys")
    func curve() async throws {
        try #require(Curve.isAvailable)
        let serverKeys = try Curve.keyPair()
        let clientKeys = try Curve.keyPair()
        #expect(serverKeys.publicKey.count == 40)
        #expect(try Curve.publicKey(forSecret: serverKeys.secretKey) == serverKeys.publicKey)
        let received = try await offPool { [context] in
            let server = try socket(context, .rep)
            try server.set([.curveServer(true), .curveSecretKey(serverKeys.secretKey)])
            let client = try socket(context, .req)
            try client.set([.curveServerKey(serverKeys.publicKey),
                            .curvePublicKey(clientKeys.publicKey), .curveSecretKey(clientKeys.secretKey)])
            try client.connect(try bindEphemeral(server))
            try client.send(frames("secret"))
            return strings(try server.receive())
        }
        #expect(received == ["secret"])
    }
}

@Suite("Socket lifetime")
struct SocketLifetimeTests {
    @Test("A socket keeps its context alive, so a context made in passing cannot deadlock on terminate")
    func socketRetainsContext() throws {
        let socket = try Context().socket(.pair)  // the only reference to this context is the socket's
        try socket.bind("inproc://lifetime")
        socket.close()
    }
}
