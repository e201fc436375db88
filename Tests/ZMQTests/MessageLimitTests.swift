import Foundation
import Synchronization
import TestHarness
import Testing
import ZMQ

@Suite("Per-message size limits: oversized messages are released without being copied", .timeLimit(.minutes(1)))
struct MessageLimitTests {
    let context: Context
    init() throws { context = try Context() }

    /// Sends each message from a DEALER to a ROUTER and receives each with `limit`, on a thread of its own.
    func exchange(_ messages: [Multipart], limit: MessageLimit) async throws -> [Received?] {
        try await offPool { [context] in
            let router = try socket(context, .router)
            let dealer = try socket(context, .dealer)
            try dealer.connect(try bindEphemeral(router))
            for message in messages { try dealer.send(message) }
            return try messages.map { _ in try router.receive(limit: limit) }
        }
    }

    @Test("A message within the limit arrives whole; the ROUTER's identity frame is not counted")
    func withinLimit() async throws {
        let message: Multipart = [Data(count: 600), Data(count: 400)]
        let received = try await exchange([message], limit: MessageLimit(bytes: 1000, uncountedFrames: 1))
        guard case .message(let frames)? = received.first else {
            Issue.record("expected the whole message, got \(String(describing: received.first))")
            return
        }
        #expect(frames.dropFirst().map(\.count) == [600, 400])
    }

    @Test("Over the limit: only the first frames are kept, the size is counted to the end, and the next message arrives whole")
    func overLimit() async throws {
        let oversized: Multipart = [Data("LDN/1".utf8), Data("submit".utf8)] + Array(repeating: Data(count: 700), count: 10)
        let next: Multipart = [Data("LDN/1".utf8), Data("status".utf8)]
        let received = try await exchange([oversized, next], limit: MessageLimit(bytes: 1000, uncountedFrames: 1, keptFrames: 3))
        guard case .oversized(let head, let countedBytes, let frameCount)? = received.first else {
            Issue.record("expected an oversized result, got \(String(describing: received.first))")
            return
        }
        #expect(head.count == 3)
        #expect(head.dropFirst().map { String(decoding: $0, as: UTF8.self) } == ["LDN/1", "submit"])
        #expect(countedBytes == 5 + 6 + 7000)
        #expect(frameCount == 13)
        guard case .message(let frames)? = received.last else {
            Issue.record("expected the next message whole, got \(String(describing: received.last))")
            return
        }
        #expect(strings(Array(frames.dropFirst())) == ["LDN/1", "status"])
    }

    @Test("A pump answers an oversized message from its thread and never delivers it; other messages flow")
    func pumpAnswersOversized() async throws {
        let endpoint = Mutex("")
        let oversize = SocketPump.Oversize(limit: MessageLimit(bytes: 1000, uncountedFrames: 1, keptFrames: 2)) { head, bytes in
            [head[0], Data("too large: \(bytes)".utf8)]
        }
        let server = try await SocketPump.start(name: "limited", context: context, oversize: oversize) { context in
            let router = try context.socket(.router)
            try router.set(.linger(milliseconds: 0))
            let bound = try bindEphemeral(router)
            endpoint.withLock { $0 = bound }
            return router
        }
        let serving = Task {
            for await request in server.incoming {
                server.send([request[0], Data("echo:".utf8) + request.last!])
            }
        }
        let replies = try await offPool { [context, endpoint = endpoint.withLock { $0 }] in
            let client = try socket(context, .dealer)
            try client.connect(endpoint)
            try client.send([Data("a".utf8)])
            try client.send(Array(repeating: Data(count: 900), count: 3))
            try client.send([Data("b".utf8)])
            return try (0..<3).map { _ in strings(try client.receive()) }
        }
        // The oversized message is answered from the socket's thread, so possibly before "a".
        #expect(Set(replies) == [["echo:a"], ["too large: 2700"], ["echo:b"]])
        await server.stop()
        await serving.value
    }

    @Test("A pump whose context is shut down under it reports why it ended; one that was stopped reports nothing")
    func failureIsReported() async throws {
        let doomedContext = try Context()
        let doomed = try await SocketPump.start(name: "doomed", context: doomedContext) { context in
            let socket = try context.socket(.pull)
            try socket.set(.linger(milliseconds: 0))
            _ = try bindEphemeral(socket)
            return socket
        }
        doomedContext.shutdown()
        for await _ in doomed.incoming {}  // ends when the thread does
        #expect(doomed.failure?.error.isContextTerminated == true)
        #expect(doomed.failure?.description.contains("doomed") == true)

        let stopped = try await SocketPump.start(name: "stopped", context: context) { context in
            let socket = try context.socket(.pull)
            try socket.set(.linger(milliseconds: 0))
            _ = try bindEphemeral(socket)
            return socket
        }
        await stopped.stop()
        #expect(stopped.failure == nil)
    }
}
