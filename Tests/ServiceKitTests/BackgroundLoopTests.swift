import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TestHarness
import Testing
@testable import ServiceKit
@testable import WireProtocol

@Suite("Background loops and status survive failures, and say so", .timeLimit(.minutes(1)))
struct BackgroundLoopTests {
    struct Flaky: Error, CustomStringConvertible {
        var description: String { "the disk said no" }
    }

    @Test("RepeatingWork logs and counts a failed round and goes on; only graceful shutdown ends it, without an error")
    func repeatingWorkSurvives() async throws {
        let stats = ServiceStats()
        let rounds = Atomic(0)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let work = RepeatingWork("prune", every: .milliseconds(10), stats: stats, logger: logger) {
            let round = rounds.add(1, ordering: .relaxed).newValue
            if round <= 2 { throw Flaky() }
        }
        let group = ServiceGroup(services: [work], logger: logger)
        let running = Task { try await group.run() }
        try await eventually("rounds after the failures") { rounds.load(ordering: .relaxed) >= 5 }
        #expect(stats.totals["prune.failures"] == 2)
        await group.triggerGracefulShutdown()
        try await running.value  // returned cleanly: no serviceFinishedUnexpectedly, no error
    }

    @Test("A failing part of status still gets an answer, and the failure is counted")
    func statusSurvivesItsExtension() async throws {
        let server = try await RunningServer.start { routes in
            // Replaces the plain status route RunningServer added.
            routes.addStatus(ServiceState(service: "flaky")) { status in
                status.counters["records"] = 1
                throw Flaky()
            }
        }
        let reply = try #require(try await server.raw(text("LDN/1", "status", "s", "{}")))
        #expect(reply.isOK)
        let status = try reply.decode(StatusReply.self)
        #expect(status.service == "flaky")
        #expect(status.counters["status.failures"] == 1)
        try await server.stop()
    }
}
