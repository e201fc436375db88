import Foundation
import Synchronization
import TestHarness
import Testing
import ZMQ

@Suite("SocketPump: sockets on their own threads, bridged to async code", .timeLimit(.minutes(1)))
struct SocketPumpTests {
    let context: Context
    init() throws { context = try Context() }

    /// A ROUTER pump that answers every request with "echo:" + its last frame.
    func echoServer() async throws -> (SocketPump, String) {
        let endpoint = Mutex("")
        let pump = try await SocketPump.start(name: "echo", context: context) { context in
            let router = try context.socket(.router)
            try router.set(.linger(milliseconds: 0))
            let bound = try bindEphemeral(router)
            endpoint.withLock { $0 = bound }
            return router
        }
        return (pump, endpoint.withLock { $0 })
    }

    @Test("Requests arrive on `incoming`; replies queued with send(_:) reach the peer")
    func roundTrip() async throws {
        let (server, endpoint) = try await echoServer()
        let serving = Task {
            for await request in server.incoming {
                server.send([request[0], Data("echo:".utf8) + request.last!])
            }
        }
        // The client blocks in receive: on a thread of its own, never on the pool the serving task needs.
        let replies = try await offPool { [context] in
            let client = try socket(context, .dealer)
            try client.connect(endpoint)
            for index in 0..<50 { try client.send(frames("m\(index)")) }
            // A receive timeout (2 s) is only a pause: the loaded first minute of the suite has
            // starved the serving task for longer. What counts is that all 50 come, in order.
            var replies: [[String]] = []
            let deadline = ContinuousClock.now + .seconds(45)
            while replies.count < 50, ContinuousClock.now < deadline {
                if let reply = try client.receive() { replies.append(strings(reply)) }
            }
            return replies
        }
        #expect(replies == (0..<50).map { ["echo:m\($0)"] })
        await server.stop()
        await serving.value  // incoming finished when the pump stopped
    }

    @Test("A socket that cannot open makes start throw, with libzmq's reason")
    func startFailure() async throws {
        let (first, endpoint) = try await echoServer()
        let error = await #expect(throws: ZMQError.self) {
            _ = try await SocketPump.start(name: "clash", context: context) { context in
                let router = try context.socket(.router)
                try router.set(.linger(milliseconds: 0))
                try router.bind(endpoint)
                return router
            }
        }
        #expect(error?.code == EADDRINUSE)
        await first.stop()
    }

    @Test("A monitored pump hands its socket's connection events to `onEvent` as they happen, and still moves messages")
    func monitoredPump() async throws {
        let (server, endpoint) = try await echoServer()
        let serving = Task {
            for await request in server.incoming { server.send([request[0], Data("echo:".utf8) + request.last!]) }
        }
        let events = Mutex<[SocketEvent.Kind]>([])
        let client = try await SocketPump.start(name: "monitored", context: context,
                                                onEvent: { event in events.withLock { $0.append(event.kind) } }) { context in
            let dealer = try context.socket(.dealer)
            try dealer.set(.linger(milliseconds: 0))
            let monitor = try dealer.monitor()  // before connecting: no event is missed
            try dealer.connect(endpoint)
            return (dealer, monitor)
        }
        try await eventually("the handshake is reported") { events.withLock { $0.contains(.handshakeSucceeded) } }
        client.send(frames("ping"))
        var replies = client.incoming.makeAsyncIterator()
        #expect(await replies.next().map(strings) == ["echo:ping"])

        await server.stop()
        await serving.value
        try await eventually("the lost connection is reported") { events.withLock { $0.contains(.disconnected) } }
        await client.stop()
    }

    @Test("A blocked socket thread leaves the cooperative pool free")
    func doesNotStarvePool() async throws {
        let pumps = try await withThrowingTaskGroup(of: SocketPump.self) { group in
            for _ in 0..<4 { group.addTask { try await self.echoServer().0 } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let started = ContinuousClock.now
        try await Task.sleep(for: .milliseconds(100))
        // With the four idle pumps' blocking polls on the pool, this sleep would never end; the
        // bound only needs to be short of the time limit, and loose enough for a machine busy
        // with the rest of the suite (0.54 s seen with two compilers running beside it, and
        // pauses of several seconds in the suite's loaded first minute on 2 cores).
        #expect(ContinuousClock.now - started < .seconds(20))
        for pump in pumps { await pump.stop() }
    }

    @Test("With few messages consumed, the pump stops reading; nothing is lost or reordered")
    func backpressure() async throws {
        let endpoint = Mutex("")
        let pull = try await SocketPump.start(name: "pull", context: context, incomingLimit: 4) { context in
            let socket = try context.socket(.pull)
            try socket.set([.linger(milliseconds: 0), .receiveHighWaterMark(4)])
            let bound = try bindEphemeral(socket)
            endpoint.withLock { $0 = bound }
            return socket
        }
        // A sender on its own thread, blocking on its high-water mark; 64 KiB messages
        // so that the kernel's socket buffers cannot absorb them all.
        let count = 300
        let sent = Atomic(0)
        let context = self.context
        let address = endpoint.withLock { $0 }
        let sender = Thread {
            guard let push = try? socket(context, .push) else { return }
            // Linger, so that closing the socket after the last send does not drop queued messages.
            try? push.set([.sendHighWaterMark(4), .linger(milliseconds: 5000)])
            try? push.connect(address)
            for index in 0..<count {
                guard (try? push.send([Data("\(index)".utf8), Data(count: 65536)])) == true else { return }
                sent.add(1, ordering: .relaxed)
            }
        }
        sender.start()
        // Wait until the sender makes no more progress: blocked, or (if nothing held it back) done.
        var last = -1
        try await eventually("the sender stops making progress", timeout: .seconds(20)) {
            let now = sent.load(ordering: .relaxed)
            defer { last = now }
            try await Task.sleep(for: .milliseconds(100))
            return now == last && now == sent.load(ordering: .relaxed)
        }
        #expect(sent.load(ordering: .relaxed) < count, "the reader held back, so the sender waits")

        var received: [String] = []
        for await message in pull.incoming {
            received.append(String(decoding: message[0], as: UTF8.self))
            if received.count == count { break }
        }
        #expect(received == (0..<count).map(String.init))
        await pull.stop()
    }

    @Test("stop() sends what was queued before closing")
    func stopDrains() async throws {
        let endpoint = Mutex("")
        let pull = try await SocketPump.start(name: "pull", context: context) { context in
            let socket = try context.socket(.pull)
            try socket.set(.linger(milliseconds: 0))
            let bound = try bindEphemeral(socket)
            endpoint.withLock { $0 = bound }
            return socket
        }
        let push = try await SocketPump.start(name: "push", context: context) { [endpoint = endpoint.withLock { $0 }] context in
            let socket = try context.socket(.push)
            // A linger long enough for the connection to complete: a message handed to libzmq
            // before the handshake waits in the socket, and closing with linger 0 would drop it.
            try socket.set(.linger(milliseconds: 5000))
            try socket.connect(endpoint)
            return socket
        }
        for index in 0..<20 { push.send(frames("\(index)")) }
        await push.stop()
        var received: [String] = []
        for await message in pull.incoming {
            received += strings(message)
            if received.count == 20 { break }
        }
        #expect(received == (0..<20).map(String.init))
        await pull.stop()
    }
}
