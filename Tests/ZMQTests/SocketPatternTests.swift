import Foundation
import Testing
import ZMQ

@Suite("Socket patterns over real loopback and inproc sockets")
struct SocketPatternTests {
    let context: Context
    init() throws { context = try Context() }

    @Test("REQ/REP round trip over tcp://127.0.0.1")
    func requestReply() throws {
        let server = try socket(context, .rep)
        let client = try socket(context, .req)
        try client.connect(try bindEphemeral(server))

        try client.send(frames("ping", "1"))
        #expect(strings(try server.receive()) == ["ping", "1"])
        try server.send(frames("pong"))
        #expect(strings(try client.receive()) == ["pong"])
    }

    @Test("ROUTER answers a REQ peer by echoing its envelope, delimiter included")
    func routerAnswersReq() throws {
        let router = try socket(context, .router)
        let req = try socket(context, .req)
        try req.connect(try bindEphemeral(router))

        try req.send(frames("status"))
        let request = try #require(try router.receive())
        #expect(request.count == 3)
        #expect(request[1].isEmpty, "REQ adds an empty delimiter after the identity")
        try router.send([request[0], Data(), Data("ok".utf8)])
        #expect(strings(try req.receive()) == ["ok"])
    }

    @Test("ROUTER answers several DEALER peers, each by its identity")
    func routerAnswersDealers() throws {
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
        for _ in dealers {
            let request = try #require(try router.receive())
            #expect(request.count == 2, "a DEALER adds no delimiter")
            let body = String(decoding: request[1], as: UTF8.self)
            try router.send([request[0], Data("reply to \(body)".utf8)])
        }
        for (index, dealer) in dealers.enumerated() {
            #expect(strings(try dealer.receive()) == ["reply to hello \(index)"])
        }
    }

    @Test("ROUTER_MANDATORY reports a reply to an unknown peer as EHOSTUNREACH")
    func routerMandatory() throws {
        let router = try socket(context, .router)
        try router.set(.routerMandatory(true))
        _ = try bindEphemeral(router)
        let error = #expect(throws: ZMQError.self) {
            try router.send([Data("nobody".utf8), Data("lost".utf8)])
        }
        #expect(error?.code == EHOSTUNREACH)
        #expect(error?.message == "Host unreachable")
    }

    @Test("PUB/SUB delivers only subscribed topics")
    func publishSubscribe() throws {
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
        #expect(received.first == "crohns")
        #expect(received.last?.hasPrefix("take") == true)
    }

    @Test("PUSH/PULL over inproc:// keeps message order")
    func pushPullInproc() throws {
        let pull = try socket(context, .pull)
        try pull.bind("inproc://pipeline-test")
        let push = try socket(context, .push)
        try push.connect("inproc://pipeline-test")
        for index in 0..<100 { try push.send(frames("\(index)")) }
        for index in 0..<100 { #expect(strings(try pull.receive()) == ["\(index)"]) }
    }

    @Test("A receive timeout returns nil after about the timeout")
    func receiveTimeout() throws {
        let rep = try socket(context, .rep, timeout: 150)
        _ = try bindEphemeral(rep)
        let started = ContinuousClock.now
        #expect(try rep.receive() == nil)
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(140) && waited < .seconds(2))
    }

    @Test("ZMQ_MAXMSGSIZE drops an oversized message; the socket keeps serving others")
    func maxMessageSize() throws {
        let server = try socket(context, .router, timeout: 300)
        try server.set(.maxMessageSize(bytes: 1024))
        let endpoint = try bindEphemeral(server)

        let big = try socket(context, .dealer)
        try big.connect(endpoint)
        try big.send([Data(count: 4096)])
        #expect(try server.receive() == nil, "the oversized message never arrives")

        let small = try socket(context, .dealer)
        try small.connect(endpoint)
        try small.send(frames("fits"))
        #expect(strings(try server.receive()).last == "fits")
    }

    @Test("Poller reports which of several sockets is readable")
    func poller() throws {
        let first = try socket(context, .pull)
        let second = try socket(context, .pull)
        try first.bind("inproc://poll-first")
        try second.bind("inproc://poll-second")
        let push = try socket(context, .push)
        try push.connect("inproc://poll-second")

        var poller = Poller()
        let firstIndex = poller.add(first)
        let secondIndex = poller.add(second)
        #expect(try poller.poll(timeoutMilliseconds: 50) == 0)
        try push.send(frames("here"))
        #expect(try poller.poll(timeoutMilliseconds: 2000) == 1)
        #expect(!poller.events(at: firstIndex).contains(.readable))
        #expect(poller.events(at: secondIndex).contains(.readable))
    }

    @Test("Errors carry zmq_strerror's text and errno")
    func errors() throws {
        let first = try socket(context, .rep)
        let endpoint = try bindEphemeral(first)
        let second = try socket(context, .rep)
        let error = #expect(throws: ZMQError.self) { try second.bind(endpoint) }
        #expect(error?.code == EADDRINUSE)
        #expect(error?.description.contains("Address already in use") == true)
        #expect(throws: ZMQError.self) { try second.connect("nonsense://here") }
    }

    @Test("CURVE: an encrypted REQ/REP round trip with generated keys")
    func curve() throws {
        try #require(Curve.isAvailable)
        let serverKeys = try Curve.keyPair()
        let clientKeys = try Curve.keyPair()
        #expect(serverKeys.publicKey.count == 40)
        #expect(try Curve.publicKey(forSecret: serverKeys.secretKey) == serverKeys.publicKey)

        let server = try socket(context, .rep)
        try server.set([.curveServer(true), .curveSecretKey(serverKeys.secretKey)])
        let client = try socket(context, .req)
        try client.set([.curveServerKey(serverKeys.publicKey),
                        .curvePublicKey(clientKeys.publicKey), .curveSecretKey(clientKeys.secretKey)])
        try client.connect(try bindEphemeral(server))
        try client.send(frames("secret"))
        #expect(strings(try server.receive()) == ["secret"])
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
