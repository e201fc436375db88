import Foundation
import Synchronization
import TestHarness
import Testing
import ZMQ

extension HostileLoadTests {
    @Suite("A busy service still answers status", .serialized)
    struct ResponsivenessTests {
        /// A submit of 2000 SYNTHETIC records of about 8 KB each (16 MB): all without a year, so
        /// ingest parses and judges every one and rejects them all, never calling the store.
        static func heavySubmit(_ id: String) -> [Data] {
            let summary = "SYNTHETIC: generated to keep ingest busy; not a real study. " + String(repeating: "lorem ipsum ", count: 660)
            let records = (0..<2000).map { index in
                Data("{\"title\":\"SYNTHETIC heavy record \(index)\",\"conditions\":[\"crohns\"],\"design\":\"rct\",\"summary\":\"\(summary)\"}".utf8)
            }
            return [Data(), Data("LDN/1".utf8), Data("submit".utf8), Data(id.utf8), Data("{}".utf8)] + records
        }

        @Test("ingest answers status within a second while it judges eight 16 MB submissions", .timeLimit(.minutes(2)))
        func statusWhileIngestIsBusy() async throws {
            let set = try await LocalSet.start(["evidence-store", "ingest"])
            let endpoint = set.ingest
            let finished = Finished()
            let loadStarted = ContinuousClock.now
            let heavy = (0..<8).map { index in
                Task {
                    try await offPool { () -> Bool in
                        defer { finished.count.add(1, ordering: .relaxed) }
                        let socket = try Context().socket(.dealer)
                        defer { socket.close() }
                        try socket.set([.linger(milliseconds: 0), .receiveTimeout(milliseconds: 90_000)])
                        try socket.connect(endpoint)
                        try socket.send(Self.heavySubmit("heavy-\(index)"))
                        return try socket.receive()?[4] == Data("ok".utf8)
                    }
                }
            }
            // Status from a thread of its own, every 50 ms while the heavy requests run.
            let waits = try await offPool { () -> [Duration] in
                let socket = try Context().socket(.dealer)
                defer { socket.close() }
                try socket.set([.linger(milliseconds: 0), .receiveTimeout(milliseconds: 30_000)])
                try socket.connect(endpoint)
                var waits: [Duration] = []
                while finished.count.load(ordering: .relaxed) < 8 {
                    let started = ContinuousClock.now
                    try socket.send([Data(), Data("LDN/1".utf8), Data("status".utf8), Data("busy-\(waits.count)".utf8), Data("{}".utf8)])
                    guard try socket.receive() != nil else { throw TestFailure("status got no answer within 30 s") }
                    waits.append(ContinuousClock.now - started)
                    Thread.sleep(forTimeInterval: 0.05)
                }
                return waits
            }
            let load = ContinuousClock.now - loadStarted
            for request in heavy { #expect(try await request.value, "each heavy submit is answered ok (every record rejected)") }
            print("responsiveness: status answered \(waits.count) times during \(load) of load; slowest \(waits.max() ?? .zero)")
            #expect(waits.count >= 3, "status was asked while the load ran (\(load))")
            #expect((waits.max() ?? .zero) < .seconds(1), "slowest status: \(waits.max() ?? .zero)")
            _ = try await set.stop()
        }

        final class Finished: Sendable {
            let count = Atomic(0)
        }
    }
}
