import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import ZMQ
@testable import LDNClient
@testable import ServiceKit
@testable import WireProtocol

/// A RequestServer running in-process on an ephemeral loopback port, as the services run it.
struct RunningServer {
    let context: Context
    let state: ServiceState
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let endpoint: String

    static func start(maxMessageBytes: Int = 64 * 1024, routes extra: (inout Routes) -> Void = { _ in }) async throws -> RunningServer {
        let context = try Context()
        let state = ServiceState(service: "test")
        var routes = Routes()
        routes.addStatus(state)
        extra(&routes)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = try await RequestServer(endpoint: "tcp://127.0.0.1:*", context: context, state: state, routes: routes,
                                             logger: logger, maxMessageBytes: maxMessageBytes)
        let group = ServiceGroup(services: [server], logger: logger)
        let task = Task { try await group.run() }
        let endpoint = try #require(state.boundEndpoints["requests"])
        return RunningServer(context: context, state: state, group: group, task: task, endpoint: endpoint)
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// Sends raw frames from a DEALER (with the REQ-style empty delimiter) and returns the reply.
    func raw(_ frames: [Data], timeout: Int32 = 3000) async throws -> Reply? {
        try await offPool { [context, endpoint] in
            let socket = try context.socket(.dealer)
            defer { socket.close() }
            try socket.set([.linger(milliseconds: 0), .receiveTimeout(milliseconds: timeout)])
            try socket.connect(endpoint)
            try socket.send([Data()] + frames)
            guard let reply = try socket.receive() else { return nil }
            return Reply.parse(reply.dropFirst())
        }
    }
}

/// Runs blocking socket work on a thread of its own: blocking a cooperative-pool thread
/// (two of them on two cores) would starve the very server under test.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

func text(_ strings: String...) -> [Data] { strings.map { Data($0.utf8) } }

@Suite("RequestServer: envelope, errors, routing, drain")
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

    @Test("A message over the size limit is answered too_large")
    func tooLarge() async throws {
        let server = try await RunningServer.start(maxMessageBytes: 4096)
        let reply = try #require(try await server.raw(text("LDN/1", "status", "big", "{}") + [Data(count: 8000)]))
        let error = try WireJSON.decode(ErrorBody.self, from: reply.body)
        #expect(error.code == .tooLarge)
        #expect(error.message.contains("at most 4096"))
        try await server.stop()
    }

    @Test("REQ peers and DEALER peers without a delimiter are both answered")
    func peerKinds() async throws {
        let server = try await RunningServer.start()
        for (type, id) in [(SocketType.req, "via-req"), (.dealer, "bare-dealer")] {
            let reply = try await offPool { [server] () -> Reply? in
                let socket = try server.context.socket(type)
                defer { socket.close() }
                try socket.set([.linger(milliseconds: 0), .receiveTimeout(milliseconds: 3000)])
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
        let server = try await RunningServer.start { routes in
            routes.on("slow") { request in
                try await Task.sleep(for: .milliseconds(400))
                return .ok(request, EmptyBody())
            }
        }
        async let reply = server.raw(text("LDN/1", "slow", "in-flight", "{}"))
        try await Task.sleep(for: .milliseconds(100))
        try await server.stop()
        #expect(try await reply?.requestID == "in-flight")
    }

    @Test("Handler errors: ErrorBody goes to the client as is; anything else is `internal`")
    func handlerErrors() async throws {
        struct Oops: Error {}
        let server = try await RunningServer.start { routes in
            routes.on("missing") { _ in throw ErrorBody(code: .notFound, message: "no such record") }
            routes.on("broken") { _ in throw Oops() }
        }
        let missing = try #require(try await server.raw(text("LDN/1", "missing", "m", "{}")))
        #expect(try WireJSON.decode(ErrorBody.self, from: missing.body).code == .notFound)
        let broken = try #require(try await server.raw(text("LDN/1", "broken", "b", "{}")))
        #expect(try WireJSON.decode(ErrorBody.self, from: broken.body).code == .internal)
        #expect(server.state.stats.totals["errors"] == 2)
        try await server.stop()
    }

    @Test("Lazy Pirate: with a server that never answers, the client retries then reports the endpoint unreachable")
    func unreachable() throws {
        let context = try Context()
        // Accepts connections and reads requests, but never answers. (Where nothing listens at
        // all, the client says so at once: EndToEndTests' ClientTests.)
        let silent = try context.socket(.router)
        defer { silent.close() }
        try silent.set(.linger(milliseconds: 0))
        try silent.bind("tcp://127.0.0.1:*")
        let connection = Connection(context: context, endpoint: try silent.lastEndpoint, timeout: .milliseconds(100), retries: 2)
        let started = ContinuousClock.now
        #expect {
            try connection.send(Request(type: "status", id: "x"))
        } throws: { error in
            guard case ClientError.unreachable(_, let attempts, _) = error else { return false }
            return attempts == 3
        }
        #expect(ContinuousClock.now - started >= .milliseconds(290))
    }
}
