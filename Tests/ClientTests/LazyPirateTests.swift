import Foundation
import Logging
import TestHarness
import Testing
import WireProtocol
import ZMQ
@testable import Client

/// Lazy Pirate through both faces of the one engine, against a real ROUTER whose answers
/// the test chooses: what a service sees of a client's retries.
@Suite("Lazy Pirate over real sockets: the blocking and the async client retry the same way", .serialized, .timeLimit(.minutes(1)))
struct LazyPirateTests {
    static func status(_ id: String) -> Request { Request(type: MessageType.status, id: id) }

    static func unavailable(_ request: Request, retryAfterMs: Int) -> Reply {
        .error(request, ErrorBody(code: .unavailable, message: "busy (SYNTHETIC test answer)", retryAfterMs: retryAfterMs))
    }

    static func ok(_ request: Request) -> Reply { .ok(request, EmptyBody()) }

    @Test("ldn's client: a late request is resent with the same id on a fresh socket, and its answer taken")
    func blockingReopens() async throws {
        let context = try Context()
        let peer = try await ScriptedPeer(context: context) { request, earlier in earlier == 0 ? nil : Self.ok(request) }
        let reply = try await offPool { [endpoint = peer.endpoint] in
            try Connection(context: context, endpoint: endpoint, timeout: .seconds(1), retries: 2).send(Self.status("r-1"))
        }
        await peer.stop()
        #expect(reply.isOK && reply.requestID == "r-1")
        // Two sends (a third only if the answer to the second was late on a busy machine).
        let arrivals = peer.received
        #expect(arrivals.count >= 2 && arrivals.allSatisfy { $0.id == "r-1" }, "\(arrivals.map(\.id))")
        guard arrivals.count >= 2 else { return }
        // (When the resend is due is RequestEngineTests' job: here the peer may read both at once on a busy machine.)
        #expect(arrivals[0].connection != arrivals[1].connection, "the resend comes on a new socket")
    }

    @Test("ldn's client: `unavailable` is resent after the service's hint, the wait doubling, until an answer comes")
    func blockingResendsUnavailable() async throws {
        let context = try Context()
        let peer = try await ScriptedPeer(context: context) { request, earlier in
            earlier < 2 ? Self.unavailable(request, retryAfterMs: 150) : Self.ok(request)
        }
        let reply = try await offPool { [endpoint = peer.endpoint] in
            try Connection(context: context, endpoint: endpoint, timeout: .seconds(5), retries: 2).send(Self.status("u-1"))
        }
        await peer.stop()
        #expect(reply.isOK, "the third send was answered")
        let arrivals = peer.received
        #expect(arrivals.map(\.id) == ["u-1", "u-1", "u-1"])
        guard arrivals.count == 3 else { return }
        let (first, second) = (arrivals[1].at - arrivals[0].at, arrivals[2].at - arrivals[1].at)
        // 150–225 ms, then 300–450 ms (jitter 1…1.5). The peer notes an arrival before it answers, and the
        // client resends only after the answer, so the gaps cannot come out shorter; a busy machine makes them longer.
        #expect(first >= .milliseconds(150) && first < .seconds(4), "the hint at least, not the 5 s timeout: \(first)")
        #expect(second >= .milliseconds(300) && second < .seconds(4), "then doubled: \(second)")
        #expect(arrivals[0].connection == arrivals[2].connection, "an answer, even `unavailable`, keeps the socket")
    }

    @Test("Between services: a late request is resent with the same id on the same link; `unavailable` goes back to the caller as it is")
    func serviceLink() async throws {
        let context = try Context()
        let peer = try await ScriptedPeer(context: context) { request, earlier in
            switch request.id {
            case "late": earlier == 0 ? nil : Self.ok(request)
            default: Self.unavailable(request, retryAfterMs: 100)
            }
        }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        // Long enough that `busy`'s answer is never late on a loaded machine, so it is sent once.
        let client = try await ServiceClient(endpoint: peer.endpoint, name: "test-link", attemptTimeout: .seconds(1),
                                             context: context, logger: logger)
        let running = Task { try await client.run() }
        let late = try await client.send(Self.status("late"))
        #expect(late.isOK)
        let busy = try await client.send(Self.status("busy"))
        #expect(!busy.isOK && busy.errorBody.code == .unavailable && busy.errorBody.retryAfterMs == 100)
        running.cancel()
        try await running.value
        await peer.stop()
        let arrivals = peer.received
        #expect(arrivals.map(\.id) == ["late", "late", "busy"], "`busy` was sent once: only the caller at the end retries")
        #expect(Set(arrivals.map(\.connection)).count == 1, "one socket throughout")
    }
}
