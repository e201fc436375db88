import Foundation
import SyntheticData
import TestHarness
import Testing
import WireProtocol

/// A store that goes silent without closing anything: frozen with SIGSTOP, its kernel still
/// holds the TCP connections open, as a hung machine's or a vanished host's peers see them.
/// Only heartbeats (docs/PROTOCOL.md section 8) tell the links apart from a quiet store.
@Suite("A silent store is noticed by heartbeats, and the links come back", .serialized)
struct SilentStoreTests {
    @Test("Frozen with SIGSTOP: ingest's store link and the replica's feed notice within seconds, ingest says so and answers `unavailable`; after SIGCONT records flow again",
          .timeLimit(.minutes(2)))
    func frozenStore() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest", "query"])
        defer { set.killAll() }  // SIGKILL ends a stopped process too
        let (store, ingest, query) = try (#require(set.process("evidence-store")), #require(set.process("ingest")),
                                          #require(set.process("query")))
        try await submit(set, 0..<5)
        _ = try await waitUntilCaughtUp(set.query, store: set.store)
        try await query.waitForLine("feed connected")
        #expect(try await storeConnected(set.ingest) == 1)

        store.signal(SIGSTOP)
        let frozen = ContinuousClock.now
        try await ingest.waitForLine("connection lost; reconnecting", "peer=\(set.store)", timeout: .seconds(15))
        try await query.waitForLine("feed connection lost; reconnecting", timeout: .seconds(15))
        let noticed = ContinuousClock.now - frozen
        #expect(noticed < .seconds(6), "a PING within 1 s, then 3 s without an answer: \(noticed)")
        #expect(try await storeConnected(set.ingest) == 0, "ingest's status shows the link down")

        // ingest tries the store 3 times (1.5 s each), then answers `unavailable`: no hang.
        let file = try temporaryFile("frozen.jsonl", SyntheticRecords.jsonLines(100..<101))
        let started = ContinuousClock.now
        let refused = try await ldn(["submit", file, "--retries", "0", "--timeout", "10", "--ingest", set.ingest])
        #expect(refused.status == 2 && refused.stderr.contains("ingest is up but cannot do this now: no answer from \(set.store)"),
                "\(refused.stdout)\(refused.stderr)")
        #expect(ContinuousClock.now - started < .seconds(8))

        store.signal(SIGCONT)
        try await eventually("ingest's store link is back", timeout: .seconds(15)) { try await storeConnected(set.ingest) == 1 }
        try await submit(set, 5..<10)
        // The write sent during the freeze reaches the store once it resumes: `unavailable`
        // after timeouts does not say nothing was written, which is why a retry reuses the id.
        let replica = try await waitUntilCaughtUp(set.query, store: set.store)
        #expect(replica.sequence?.applied == 11)
        #expect(try await status(set.store).counters["records"] == 11)
        #expect((replica.counters["feed.disconnects"] ?? 0) >= 1, "\(replica.counters)")
        #expect(try await set.stop().values.allSatisfy { $0 == 0 })
    }

    private func storeConnected(_ ingest: String) async throws -> Double? {
        try await status(ingest).gauges?["store_connected"]
    }
}
