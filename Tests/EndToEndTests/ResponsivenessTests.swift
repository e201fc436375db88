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
            // Status from a thread of its own, every 50 ms while the heavy requests run: of the busy
            // ingest, and of the idle store as a control for how busy the machine itself is (the
            // rest of the suite runs beside this test).
            let (waits, control) = try await offPool { () -> ([Duration], [Duration]) in
                let context = try Context()
                func connected(_ endpoint: String) throws -> Socket {
                    let socket = try context.socket(.dealer)
                    try socket.set([.linger(milliseconds: 0), .receiveTimeout(milliseconds: 30_000)])
                    try socket.connect(endpoint)
                    return socket
                }
                let busy = try connected(endpoint), idle = try connected(set.store)
                defer { busy.close(); idle.close() }
                func statusWait(_ socket: Socket, _ id: String) throws -> Duration {
                    let started = ContinuousClock.now
                    try socket.send([Data(), Data("LDN/1".utf8), Data("status".utf8), Data(id.utf8), Data("{}".utf8)])
                    guard try socket.receive() != nil else { throw TestFailure("status got no answer within 30 s") }
                    return ContinuousClock.now - started
                }
                var waits: [Duration] = [], control: [Duration] = []
                while finished.count.load(ordering: .relaxed) < 8 {
                    waits.append(try statusWait(busy, "busy-\(waits.count)"))
                    control.append(try statusWait(idle, "idle-\(control.count)"))
                    Thread.sleep(forTimeInterval: 0.05)
                }
                return (waits, control)
            }
            let load = ContinuousClock.now - loadStarted
            for request in heavy { #expect(try await request.value, "each heavy submit is answered ok (every record rejected)") }
            let busy = Waits(waits), idle = Waits(control)
            print("responsiveness: status answered \(waits.count) times during \(load) of load; busy ingest \(busy), "
                  + "the idle store \(idle)")
            #expect(waits.count >= 3, "status was asked while the load ran (\(load))")
            // Status kept waiting for under a third of the load, beyond what the idle store's
            // status waited (a control for a machine busy with the rest of the suite). A share of
            // the time rather than the slowest answer: on two cores shared with the rest of the
            // suite one answer can be held by the machine for a second or more (seen once in CI:
            // 1.7 s once in 38 s). Handled on the cooperative pool, ingest's status waits for whole
            // 16 MB submissions instead: 70-77 % of the load here, against 3-7 % as it is.
            let share = (busy.total - idle.total) / load
            #expect(share < 0.33, "status waited \(Int(share * 100)) % of the load beyond the idle store's: \(busy); idle \(idle)")
            _ = try await set.stop()
        }

        /// Some status waits: their sum, median, 90th percentile and slowest.
        struct Waits: CustomStringConvertible {
            let total: Duration, p50: Duration, p90: Duration, slowest: Duration
            init(_ waits: [Duration]) {
                let sorted = waits.sorted()
                func at(_ fraction: Double) -> Duration {
                    sorted.isEmpty ? .zero : sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
                }
                (total, p50, p90, slowest) = (waits.reduce(.zero, +), at(0.5), at(0.9), sorted.last ?? .zero)
            }
            var description: String {
                func ms(_ wait: Duration) -> String { wait.formatted(.units(allowed: [.milliseconds], width: .abbreviated)) }
                return "\(ms(total)) in all, p50 \(ms(p50)), p90 \(ms(p90)), slowest \(ms(slowest))"
            }
        }

        final class Finished: Sendable {
            let count = Atomic(0)
        }
    }
}
