import Foundation
import TestHarness
import Testing
import WireProtocol

/// A store that goes silent without closing anything: frozen with SIGSTOP, its kernel still
/// holds the TCP connections open, as a hung machine's or a vanished host's peers see them.
/// Only heartbeats (docs/PROTOCOL.md section 8) tell the links apart from a quiet store.
@Suite("A silent store is noticed by heartbeats, and the links come back", .serialized)
struct SilentStoreTests {
    @Test("Frozen with SIGSTOP: ingest's store link and the replica's feed notice within seconds; after SIGCONT records flow again",
          .timeLimit(.minutes(2)))
    func frozenStore() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest", "query"])
        defer { set.killAll() }
        let (store, ingest, query) = try (#require(set.process("evidence-store")), #require(set.process("ingest")),
                                          #require(set.process("query")))
        try await submit(set, 0..<5)
        _ = try await waitUntilCaughtUp(set.query, store: set.store)
        try await query.waitForLine("feed connected")

        store.signal(SIGSTOP)
        let frozen = ContinuousClock.now
        try await ingest.waitForLine("connection lost; reconnecting", "peer=\(set.store)", timeout: .seconds(15))
        try await query.waitForLine("feed connection lost; reconnecting", timeout: .seconds(15))
        let noticed = ContinuousClock.now - frozen
        #expect(noticed < .seconds(6), "a PING within 1 s, then 3 s without an answer: \(noticed)")

        store.signal(SIGCONT)
        try await submit(set, 5..<10)
        let replica = try await waitUntilCaughtUp(set.query, store: set.store)
        #expect(replica.sequence?.applied == 10)
        #expect((replica.counters["feed.disconnects"] ?? 0) >= 1, "\(replica.counters)")
        #expect(try await set.stop().values.allSatisfy { $0 == 0 })
    }
}
