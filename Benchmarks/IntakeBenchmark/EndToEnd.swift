import Foundation
import LDNClient
import TestHarness
import WireProtocol
import ZMQ

/// The real path: evidence-store and ingest as child processes on loopback, this process
/// as the client (pipelined DEALER, as `ldn submit` sends).
enum EndToEnd {
    struct Measurement {
        var throughput: Double
        var p50, p99, max: Double
        var meanCommit: Double
        var commits: Int
        var storeMB, ingestMB: Double
        var accepted: Int
    }

    static func measure(_ bodies: [Data], batchSize: Int, inFlight: Int) async throws -> Measurement {
        let set = try await LocalSet.start(["evidence-store", "ingest"], environment: ["LDN_STATS_INTERVAL": "0"])
        let requests = stride(from: 0, to: bodies.count, by: batchSize).map { start in
            let range = start..<min(start + batchSize, bodies.count)
            let provenance = range.map { Provenance(submittedBy: "bench", sourceFile: "synthetic.jsonl", format: "jsonl",
                                                    recordNumber: $0 + 1, line: $0 + 1) }
            return Request(type: MessageType.submit, id: "bench-\(start)",
                           body: SubmitRequest(submitter: "bench", provenance: provenance), attachments: Array(bodies[range]))
        }
        let endpoint = set.ingest
        let (seconds, latencies, accepted) = try await onThread { () throws -> (Double, [Double], Int) in
            let connection = Connection(context: try Context(), endpoint: endpoint, timeout: .seconds(30), retries: 0)
            var latencies: [Double] = []
            var accepted = 0
            latencies.reserveCapacity(bodies.count)
            let started = ContinuousClock.now
            try connection.send(requests, window: inFlight) { index, reply, elapsed in
                let answer = try? reply.decode(SubmitReply.self)
                accepted += answer?.accepted ?? 0
                latencies += repeatElement(elapsed.milliseconds, count: requests[index].attachments.count)
            }
            return ((ContinuousClock.now - started).seconds, latencies.sorted(), accepted)
        }
        let store = try await status(set.store)
        let result = Measurement(
            throughput: Double(bodies.count) / seconds,
            p50: percentile(latencies, 0.50), p99: percentile(latencies, 0.99), max: latencies.last ?? 0,
            meanCommit: store.gauges?["mean_batch_size"] ?? 0, commits: store.counters["commit_batches"] ?? 0,
            storeMB: peakMemoryMB(set.process("evidence-store")!.pid), ingestMB: peakMemoryMB(set.process("ingest")!.pid),
            accepted: accepted)
        _ = try await set.stop()
        return result
    }

    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }

    /// VmHWM: the most resident memory the process has used.
    static func peakMemoryMB(_ pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Double(line.split(separator: " ")[1]) else { return 0 }
        return kilobytes / 1024
    }

    /// Blocking client work on a thread of its own, off the cooperative pool.
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}
