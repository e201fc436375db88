import EvidenceModel
import Foundation
import SyntheticData
import TestHarness
import Testing
import WireProtocol

/// The backup drill, with the real executables: load, back up during a load, keep loading,
/// kill -9 the store, restore the backup, start the store; the replica and the notifier must
/// notice the new history and converge to the restored head, and a resubmission of the whole
/// load must bring back exactly what the backup did not hold, nothing twice.
@Suite("Backup drill: back up during a load, restore, converge, resubmit", .serialized, .timeLimit(.minutes(2)))
struct BackupDrillTests {
    static let batches = 15, perBatch = 100

    /// One batch of SYNTHETIC records, submitted through ingest under a fixed request id.
    static func submit(_ batch: Int, to ingest: String) async throws -> SubmitReply {
        let records = (0..<perBatch).map { SyntheticRecords.record(batch * perBatch + $0).jsonData }
        let reply = try await request(ingest, Request(type: MessageType.submit, id: "drill-\(batch)", body: Data("{}".utf8),
                                                      attachments: records), timeout: .seconds(20))
        guard reply.isOK else { throw TestFailure("batch \(batch): \(String(decoding: reply.body, as: UTF8.self))") }
        return try reply.decode(SubmitReply.self)
    }

    static func submit(_ range: Range<Int>, to ingest: String) async throws -> [SubmitReply] {
        var replies: [SubmitReply] = []
        for batch in range { replies.append(try await submit(batch, to: ingest)) }
        return replies
    }

    @Test("The drill: what the backup held survives, followers resynchronise, a resubmission restores the rest once")
    func drill() async throws {
        let set = try await LocalSet.start()
        defer { set.killAll() }
        let storeData = set.layout.dataDirectory("store")
        let backups = set.dataRoot.appendingPathComponent("backups")
        try FileManager.default.createDirectory(at: backups, withIntermediateDirectories: true)
        let storeTool = try Binaries.url("ldn-evidence-store").path

        // 1. load; 2. back up while the load goes on; 3. keep loading.
        _ = try await Self.submit(0..<5, to: set.ingest)
        async let backup = run(storeTool, ["backup", "--data-dir", storeData, "--to", backups.path, "--verify", "--keep", "2"],
                               timeout: .seconds(60))
        _ = try await Self.submit(5..<10, to: set.ingest)
        let backedUp = try await backup
        #expect(backedUp.status == 0, "\(backedUp.stdout)\(backedUp.stderr)")
        let printed = backedUp.stdout
        let match = try #require(printed.firstMatch(of: /backup (\S+): head seq (\d+), (\d+) records/), "\(printed)")
        let (file, backupHead) = (String(match.1), Int64(match.2)!)
        #expect(Int(match.3)! == Int(backupHead), "each change of the load is a new record")
        #expect(backupHead >= Int64(5 * Self.perBatch) && backupHead % Int64(Self.perBatch) == 0, "a copy as of one commit: \(backupHead)")
        _ = try await Self.submit(10..<Self.batches, to: set.ingest)
        let total = Int64(Self.batches * Self.perBatch)
        #expect(try await status(set.store).sequence?.head == total)
        _ = try await waitUntilCaughtUp(set.query, store: set.store)

        // 4. kill -9 the store, restore the backup, start it again.
        try await set.kill9("evidence-store")
        let refused = try await run(storeTool, ["restore", "--from", file, "--data-dir", storeData])
        #expect(refused.status == 1 && refused.stderr.contains("already holds a database"), "\(refused.stdout)\(refused.stderr)")
        let restored = try await run(storeTool, ["restore", "--from", file, "--data-dir", storeData, "--force"])
        #expect(restored.status == 0 && restored.stdout.contains("head seq \(backupHead),"), "\(restored.stdout)\(restored.stderr)")
        try await set.start("evidence-store")
        let live = try await run(storeTool, ["restore", "--from", file, "--data-dir", storeData, "--force"])
        #expect(live.status == 1 && live.stderr.contains("in use by another evidence-store"), "\(live.stdout)\(live.stderr)")

        // 5. the replica and the notifier notice the new history and converge to its head.
        for follower in [set.query, set.notifier] {
            try await eventually("\(follower) resynchronised to the restored head", timeout: .seconds(30)) {
                guard let state = try? await status(follower) else { return false }
                return state.counters["store.history_changes"] == 1 && state.sequence?.applied == backupHead
                    && state.sequence?.catchingUp == false
            }
        }
        #expect(try await replicaContents(set.query) == storeContents(set.store), "the replica holds exactly the restored store")

        // 6. the whole load again, with the same request ids.
        let again = try await Self.submit(0..<Self.batches, to: set.ingest)
        let backupBatches = Int(backupHead) / Self.perBatch
        for (batch, reply) in again.enumerated() {
            // Requests the backup held are answered as they were; the rest are stored anew.
            #expect(reply.accepted + reply.duplicate == Self.perBatch && reply.rejected == 0 && reply.updated == 0,
                    "batch \(batch): \(reply.accepted) accepted, \(reply.duplicate) duplicate")
            if batch >= backupBatches { #expect(reply.results.allSatisfy { ($0.seq ?? 0) > backupHead }, "batch \(batch) is new history") }
        }
        let store = try await status(set.store)
        #expect(store.sequence?.head == total && store.counters["records"] == Int(total) && store.counters["changes"] == Int(total),
                "every record once, one change each: \(store.counters)")
        _ = try await waitUntilCaughtUp(set.query, store: set.store)
        let inStore = try await storeContents(set.store), inReplica = try await replicaContents(set.query)
        #expect(inStore.count == Int(total) && inReplica == inStore)
        try await eventually("the notifier follows the new history", timeout: .seconds(20)) {
            (try? await status(set.notifier).sequence?.applied) == total
        }
        let statuses = try await set.stop()
        #expect(statuses.values.allSatisfy { $0 == 0 }, "\(statuses)")
    }
}

/// The figures in docs/OPERATIONS.md ("Backup and restore"), measured on purpose only.
@Suite("Backup and restore: recovery point and time", .serialized)
struct RecoveryMeasurement {
    /// Run as `LDN_MEASURE_RECOVERY=100000 swift test --filter RecoveryMeasurement` (with
    /// `LDN_BIN_DIR=.build/release` for release binaries).
    @Test("Recovery point and recovery time, measured (only with LDN_MEASURE_RECOVERY=<records>)",
          .enabled(if: ProcessInfo.processInfo.environment["LDN_MEASURE_RECOVERY"] != nil), .timeLimit(.minutes(15)))
    func measureRecovery() async throws {
        let records = Int(ProcessInfo.processInfo.environment["LDN_MEASURE_RECOVERY"] ?? "") ?? 100_000
        let set = try await LocalSet.start(environment: ["LDN_STATS_INTERVAL": "0"])
        defer { set.killAll() }
        let storeData = set.layout.dataDirectory("store"), storeTool = try Binaries.url("ldn-evidence-store").path
        let backups = set.dataRoot.appendingPathComponent("backups")
        try FileManager.default.createDirectory(at: backups, withIntermediateDirectories: true)
        func timed<T>(_ work: () async throws -> T) async rethrows -> (T, Double) {
            let start = ContinuousClock.now
            let result = try await work()
            let elapsed = ContinuousClock.now - start
            return (result, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }

        let perRequest = 500, inFlight = 4
        let (_, loading) = try await timed {
            for first in stride(from: 0, to: records, by: perRequest * inFlight) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for start in stride(from: first, to: min(first + perRequest * inFlight, records), by: perRequest) {
                        group.addTask {
                            let bodies = (start..<min(start + perRequest, records)).map { SyntheticRecords.record($0).jsonData }
                            // `unavailable` (the store slower than ingest waits): the same request id again, as a client retries.
                            for attempt in 1...10 {
                                let reply = try await request(set.ingest, Request(type: MessageType.submit, id: "measure-\(start)",
                                                                                  body: Data("{}".utf8), attachments: bodies),
                                                              timeout: .seconds(60))
                                if reply.isOK { return }
                                let error = try WireJSON.decode(ErrorBody.self, from: reply.body)
                                guard error.code == .unavailable, attempt < 10 else { throw error }
                                try await Task.sleep(for: .seconds(1))
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
        }
        _ = try await waitUntilCaughtUp(set.query, store: set.store, timeout: .seconds(300))
        let (plain, backupSeconds) = try await timed {
            try await run(storeTool, ["backup", "--data-dir", storeData, "--to", backups.appendingPathComponent("plain.sqlite").path])
        }
        let (verified, verifiedSeconds) = try await timed {
            try await run(storeTool, ["backup", "--data-dir", storeData, "--to", backups.path, "--verify", "--keep", "7"])
        }
        #expect(plain.status == 0 && verified.status == 0, "\(plain.stderr)\(verified.stderr)")
        let file = String(try #require(verified.stdout.firstMatch(of: /backup (\S+):/)).1)

        try await set.kill9("evidence-store")
        let (restored, restoreSeconds) = try await timed {
            try await run(storeTool, ["restore", "--from", file, "--data-dir", storeData, "--force"])
        }
        #expect(restored.status == 0, "\(restored.stderr)")
        let (_, startSeconds) = try await timed { try await set.start("evidence-store") }
        let (_, convergeSeconds) = try await timed {
            try await eventually("the replica reloaded the restored store", timeout: .seconds(300)) {
                guard let state = try? await status(set.query) else { return false }
                return state.counters["store.history_changes"] == 1 && state.sequence?.applied == Int64(records)
                    && state.sequence?.catchingUp == false
            }
        }
        let notifier = try await status(set.notifier)
        print("""
            RECOVERY \(records) records loaded in \(String(format: "%.1f", loading)) s
            RECOVERY backup: \(plain.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) (wall \(String(format: "%.2f", backupSeconds)) s)
            RECOVERY backup --verify: \(verified.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) (wall \(String(format: "%.2f", verifiedSeconds)) s)
            RECOVERY restore: \(String(format: "%.2f", restoreSeconds)) s; store start until it answers: \(String(format: "%.2f", startSeconds)) s; replica resynchronised and converged: \(String(format: "%.2f", convergeSeconds)) s
            RECOVERY notifier: history changes \(notifier.counters["store.history_changes"] ?? -1), applied \(notifier.sequence?.applied ?? -1)
            """)
        _ = try await set.stop()
    }
}
