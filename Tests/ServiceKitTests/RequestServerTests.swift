import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TestHarness
import Testing
import ZMQ
@testable import Client
@testable import ServiceKit
@testable import WireProtocol


/// The name of the thread running the caller (as `top -H` shows it).
func currentThreadName() -> String { Thread.current.name ?? "" }

@Suite("RequestServer: envelope, errors, routing, drain", .timeLimit(.minutes(1)))
struct RequestServerTests {
    @Test("Answers status to a blocking client over tcp://127.0.0.1")
    func status() async throws {
        let server = try await RunningServer.start()
        let status = try await offPool { [server] in
            try Connection(context: server.context, endpoint: server.endpoint, timeout: .seconds(3))
                .call(Request(type: "status", id: "s-1"), as: StatusReply.self)
        }
        #expect(status.service == "test")
        #expect(status.protocolVersion == "LDN/1")
        #expect(status.endpoints["requests"] == server.endpoint)
        try await server.stop()
    }

    @Test("Malformed requests get structured errors, and the server keeps serving", arguments: [
        (text("LDN/1", "status"), ErrorCode.badFrame),
        (text("LDN/2", "status", "r1", "{}"), .unsupportedVersion),
        (text("HTTP/1.1", "GET /"), .badFrame),
        (text("LDN/1", "status", "r1", "not json"), .badJSON),
        (text("LDN/1", "status", "r1", "[1,2]"), .badJSON),
        (text("LDN/1", "frobnicate", "r1", "{}"), .unknownType),
        (text("LDN/1", "status", "", "{}"), .badFrame),
        (text("LDN/1", "bad type", "r1", "{}"), .badFrame),
    ])
    func malformed(frames: [Data], code: ErrorCode) async throws {
        let server = try await RunningServer.start()
        let reply = try #require(try await server.raw(frames))
        #expect(!reply.isOK)
        #expect(try WireJSON.decode(ErrorBody.self, from: reply.body).code == code)
        let after = try #require(try await server.raw(text("LDN/1", "status", "after", "{}")))
        #expect(after.isOK && after.requestID == "after")
        try await server.stop()
    }

    @Test("An unknown type's error lists the types the service handles, and echoes the request id")
    func unknownTypeMessage() async throws {
        let server = try await RunningServer.start()
        let reply = try #require(try await server.raw(text("LDN/1", "nope", "id-42", "{}")))
        #expect(reply.requestID == "id-42" && reply.type == "nope")
        let error = try WireJSON.decode(ErrorBody.self, from: reply.body)
        #expect(error.message == "unknown message type \"nope\"; this service handles: status")
        try await server.stop()
    }

    @Test("A message whose frames add up to more than the limit is answered too_large, echoing its type and id")
    func tooLarge() async throws {
        let server = try await RunningServer.start(maxMessageBytes: 4096)
        let reply = try #require(try await server.raw(text("LDN/1", "status", "big", "{}") + Array(repeating: Data(count: 3000), count: 3)))
        let error = try WireJSON.decode(ErrorBody.self, from: reply.body)
        #expect(error.code == .tooLarge)
        #expect(error.message == "message is \(5 + 6 + 3 + 2 + 9000) bytes; this service accepts at most 4096")
        #expect(reply.type == "status" && reply.requestID == "big")
        #expect(server.state.stats.totals["errors"] == 1, "counted like any other answer")
        try await server.stop()
    }

    @Test("The limit is exact: a message of exactly the limit is handled, one byte more is too_large")
    func limitIsExact() async throws {
        let limit = 4096
        let server = try await RunningServer.start(maxMessageBytes: limit)
        let envelope = text("LDN/1", "status", "edge", "{}")
        let padding = limit - envelope.reduce(0) { $0 + $1.count }
        let atLimit = try #require(try await server.raw(envelope + [Data(count: padding)]))
        #expect(atLimit.isOK)
        let overLimit = try #require(try await server.raw(envelope + [Data(count: padding + 1)]))
        #expect(try WireJSON.decode(ErrorBody.self, from: overLimit.body).code == .tooLarge)
        try await server.stop()
    }

    @Test("A single frame over the limit is dropped by libzmq with its connection: no answer, and the server serves on")
    func frameOverLimit() async throws {
        let server = try await RunningServer.start(maxMessageBytes: 4096)
        let reply = try await server.raw(text("LDN/1", "status", "huge", "{}") + [Data(count: 5000)], timeout: 500)
        #expect(reply == nil)
        let after = try #require(try await server.raw(text("LDN/1", "status", "after", "{}")))
        #expect(after.isOK && after.requestID == "after")
        try await server.stop()
    }

    @Test("Large requests run on the server's own threads: status is answered while they hold every one of them",
          .timeLimit(.minutes(1)))
    func statusWhileHeavy() async throws {
        let running = Atomic(0)
        let released = Atomic(false)
        let threads = Mutex<Set<String>>([])
        let server = try await RunningServer.start(maxMessageBytes: 1 << 20, heavyThreads: 2) { routes in
            routes.on("burn") { request, _ in
                threads.withLock { _ = $0.insert(currentThreadName()) }
                running.add(1, ordering: .relaxed)
                // CPU without a suspension point, as a big parse or validation is, until released.
                var spins = 0
                while !released.load(ordering: .relaxed) { spins &+= 1 }
                return .ok(request, EmptyBody())
            }
        }
        // More heavy requests than the cooperative pool has threads (libdispatch may add a
        // few to a busy pool): handled there, they would hold all of it until released.
        let burns = (0..<8).map { index in
            Task { try await server.raw(text("LDN/1", "burn", "burn-\(index)", "{}") + [Data(count: 200_000)], timeout: 30_000) }
        }
        // From a thread of its own, which also releases the handlers: were they on the pool,
        // this test's own tasks could not run until then.
        let (answered, stillRunning) = try await offPool { [context = server.context, endpoint = server.endpoint] in
            defer { released.store(true, ordering: .relaxed) }
            let deadline = ContinuousClock.now + .seconds(20)
            while running.load(ordering: .relaxed) < 2 {
                guard ContinuousClock.now < deadline else { throw TestFailure("the heavy handlers did not start") }
                Thread.sleep(forTimeInterval: 0.01)
            }
            let socket = try context.socket(.dealer)
            defer { socket.close() }
            try socket.set([.linger(milliseconds: 0), .receiveTimeout(milliseconds: 10_000)])
            try socket.connect(endpoint)
            try socket.send([Data()] + text("LDN/1", "status", "while-busy", "{}"))
            return (try socket.receive() != nil, running.load(ordering: .relaxed))
        }
        #expect(answered, "status was answered while every heavy thread was busy")
        #expect(stillRunning == 2, "two heavy threads, so two handlers at once; the rest wait their turn")
        for burn in burns { #expect(try await burn.value?.isOK == true) }
        // Open question (issue 13's notes): run beside the suite's other servers, now and then
        // one of the handlers started after the release runs on a pool thread
        // ("oot.default-qos") rather than an ldn-heavy thread. What the test above proves holds
        // either way: status was answered while both heavy threads were held.
        withKnownIssue("a heavy handler sometimes runs on the pool once the others are released", isIntermittent: true) {
            #expect(threads.withLock { $0.allSatisfy { $0.hasPrefix("ldn-heavy-") } }, "\(threads.withLock { $0 })")
        }
        try await server.stop()
    }

    @Test("If the request socket's thread ends under it, the server stops with the reason instead of returning quietly")
    func socketFailureIsThrown() async throws {
        let server = try await RunningServer.start()
        server.context.shutdown()
        let error = await #expect(throws: SocketPumpFailure.self) { try await server.task.value }
        #expect(error?.error.isContextTerminated == true)
    }

    @Test("REQ peers and DEALER peers without a delimiter are both answered")
    func peerKinds() async throws {
        let server = try await RunningServer.start()
        for (type, id) in [(SocketType.req, "via-req"), (.dealer, "bare-dealer")] {
            let reply = try await offPool { [server] () -> Reply? in
                let socket = try server.context.socket(type)
                defer { socket.close() }
                // Whether each kind of peer is answered, not how fast: room for a loaded full suite.
                try socket.set([.linger(milliseconds: 0), .receiveTimeout(milliseconds: 15000)])
                try socket.connect(server.endpoint)
                try socket.send(Request(type: "status", id: id).frames)
                return try socket.receive().flatMap { Reply.parse($0[...]) }
            }
            #expect(reply?.requestID == id)
        }
        try await server.stop()
    }

    @Test("Graceful shutdown finishes and answers a request already in flight")
    func drainsInFlight() async throws {
        let started = Atomic(false)
        let server = try await RunningServer.start { routes in
            routes.on("slow") { request, _ in
                started.store(true, ordering: .relaxed)
                try await Task.sleep(for: .milliseconds(400))  // the work being drained, not a wait
                return .ok(request, EmptyBody())
            }
        }
        async let reply = server.raw(text("LDN/1", "slow", "in-flight", "{}"))
        try await eventually("the request is in flight") { started.load(ordering: .relaxed) }
        try await server.stop()
        #expect(try await reply?.requestID == "in-flight")
    }

    @Test("Handler errors: ErrorBody goes to the client as is; anything else is `internal`")
    func handlerErrors() async throws {
        struct Oops: Error {}
        let server = try await RunningServer.start { routes in
            routes.on("missing") { _, _ in throw ErrorBody(code: .notFound, message: "no such record") }
            routes.on("broken") { _, _ in throw Oops() }
        }
        let missing = try #require(try await server.raw(text("LDN/1", "missing", "m", "{}")))
        #expect(try WireJSON.decode(ErrorBody.self, from: missing.body).code == .notFound)
        let broken = try #require(try await server.raw(text("LDN/1", "broken", "b", "{}")))
        #expect(try WireJSON.decode(ErrorBody.self, from: broken.body).code == .internal)
        #expect(server.state.stats.totals["errors"] == 2)
        try await server.stop()
    }

    @Test("Each handler's logger names the request (id and type) and the peer, which tells connections apart")
    func requestLogger() async throws {
        let server = try await RunningServer.start { routes in
            routes.on("whoami") { request, logger in
                let named = ["request.id", "request.type", "peer"].map { "\(logger[metadataKey: $0] ?? "-")" }
                return Reply(type: request.type, requestID: request.id, body: Data(named.joined(separator: " ").utf8))
            }
        }
        let first = try #require(try await server.raw(text("LDN/1", "whoami", "req-1", "{}")))
        let second = try #require(try await server.raw(text("LDN/1", "whoami", "req-2", "{}")))
        let (one, two) = (String(decoding: first.body, as: UTF8.self).split(separator: " "),
                          String(decoding: second.body, as: UTF8.self).split(separator: " "))
        #expect(one.prefix(2) == ["req-1", "whoami"] && two.prefix(2) == ["req-2", "whoami"])
        #expect(one[2].wholeMatch(of: /[0-9a-f]{10}/) != nil, "libzmq's five-byte identity in hex: \(one)")
        #expect(one[2] != two[2], "two connections, two peers")
        try await server.stop()
    }

    @Test("Lazy Pirate: with a server that never answers, the client retries then reports the endpoint unreachable")
    func unreachable() async throws {
        // Accepts connections and reads requests, but never answers. (Where nothing listens at
        // all, the client says so at once: EndToEndTests' ClientTests.) The blocking client
        // waits 300 ms: on a thread of its own, not the pool other tests share.
        let (error, waited) = try await offPool { () -> ((any Error)?, Duration) in
            let context = try Context()
            let silent = try context.socket(.router)
            defer { silent.close() }
            try silent.set(.linger(milliseconds: 0))
            try silent.bind("tcp://127.0.0.1:*")
            let connection = Connection(context: context, endpoint: try silent.lastEndpoint, timeout: .milliseconds(100), retries: 2)
            let started = ContinuousClock.now
            do {
                _ = try connection.send(Request(type: "status", id: "x"))
                return (nil, ContinuousClock.now - started)
            } catch {
                return (error, ContinuousClock.now - started)
            }
        }
        guard case ClientError.unreachable(_, let attempts, _)? = error else {
            Issue.record("expected unreachable, got \(String(describing: error))")
            return
        }
        #expect(attempts == 3)
        #expect(waited >= .milliseconds(290))
    }
}
