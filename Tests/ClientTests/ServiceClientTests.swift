import Foundation
import Logging
import ServiceLifecycle
import TestHarness
import Testing
import WireProtocol
import ZMQ
@testable import Client

/// A ServiceClient running in a service group, as in a service.
struct RunningClient {
    let client: ServiceClient
    let group: ServiceGroup
    let task: Task<Void, any Error>

    static func start(_ endpoint: String, attemptTimeout: Duration, attempts: Int = 3) async throws -> RunningClient {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let client = try await ServiceClient(endpoint: endpoint, name: "test-link", attemptTimeout: attemptTimeout,
                                             attempts: attempts, context: try Context(), logger: logger)
        let group = ServiceGroup(services: [client], logger: logger)
        return RunningClient(client: client, group: group, task: Task { try await group.run() })
    }

    /// The reply, or the `ErrorBody` the client threw, and how long it took.
    func status() async -> (Result<Reply, ErrorBody>, Duration) {
        let started = ContinuousClock.now
        do {
            let reply = try await client.send(Request(type: MessageType.status, id: UUID().uuidString))
            return (.success(reply), .now - started)
        } catch {
            return (.failure(error as? ErrorBody ?? ErrorBody(code: .internal, message: "\(error)")), .now - started)
        }
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

@Suite("ServiceClient: the engine's async face between services", .serialized, .timeLimit(.minutes(1)))
struct ServiceClientTests {
    @Test("Nothing listening at the endpoint: callers get `unavailable` from the next refused attempt, with a short retry hint, not after the timeouts")
    func refusedAtOnce() async throws {
        // 3 attempts of 5 s: waiting for timeouts would take 15 s.
        let running = try await RunningClient.start(try freeEndpoint(), attemptTimeout: .seconds(5))
        for _ in 1...2 {
            let (result, took) = await running.status()
            guard case .failure(let error) = result else {
                Issue.record("a reply from nowhere: \(result)")
                continue
            }
            #expect(error.code == .unavailable && error.retryAfterMs == 500)
            #expect(error.message.contains("connection refused at tcp://127.0.0.1:"), "\(error.message)")
            // libzmq retries every 100 ms, doubling while refused: the next refused attempt, not 3 × 5 s of
            // timeouts. The bound leaves room for a loaded machine (the full suite) and still tells the two apart.
            #expect(took < .seconds(8), "\(took)")
        }
        try await running.stop()
    }

    @Test("A store frozen with SIGSTOP is noticed within the heartbeat timeout; after SIGCONT the link is back and answers",
          .timeLimit(.minutes(1)))
    func silentPeer() async throws {
        let set = try await LocalSet.start(["evidence-store"])
        defer { set.killAll() }
        let store = try #require(set.process("evidence-store"))
        let running = try await RunningClient.start(set.store, attemptTimeout: .milliseconds(500), attempts: 2)
        try await eventually("connected") { running.client.isConnected }
        guard case .success = await running.status().0 else { throw TestFailure("the store does not answer") }

        // The kernel keeps the frozen store's connections open: only heartbeats can tell.
        store.signal(SIGSTOP)
        let frozen = ContinuousClock.now
        try await eventually("the link notices the silence", timeout: .seconds(15)) { !running.client.isConnected }
        let noticed = ContinuousClock.now - frozen
        #expect(noticed < .seconds(6), "a PING within 1 s, no PONG for 3 s: \(noticed)")
        let (whileFrozen, took) = await running.status()
        guard case .failure(let error) = whileFrozen else { throw TestFailure("a frozen store answered") }
        #expect(error.code == .unavailable && error.message.contains("no answer from \(set.store) after 2 attempts"), "\(error)")
        #expect(took < .seconds(4), "2 attempts of 0.5 s, with room for a loaded machine: \(took)")

        store.signal(SIGCONT)
        try await eventually("reconnected", timeout: .seconds(15)) { running.client.isConnected }
        guard case .success = await running.status().0 else { throw TestFailure("no answer after the store resumed") }
        try await running.stop()
        _ = try await set.stop()
    }
}
