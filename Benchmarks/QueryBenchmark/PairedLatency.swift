import BenchmarkSupport
import Client
import Foundation
import WireProtocol
import ZMQ

/// Filtered queries to two replicas — the plaintext pass's and the keyed pass's, both still
/// running — in alternating blocks from one thread, one request at a time. Two passes one
/// after the other see a shared machine at two different moments; interleaved, both see the
/// same one, so the difference is CURVE's and not the machine's.
enum PairedLatency {
    struct Target: Sendable {
        let endpoint: String
        let security: [SocketOption]
    }

    /// `count` requests to each target, in blocks of `block`, the one going first alternating.
    static func measure(_ first: Target, _ second: Target, count: Int, block: Int = 100,
                        request: @escaping @Sendable (Int) -> Request) async throws -> (Measure.Latencies, Measure.Latencies) {
        try await Measure.onThread {
            let connections = try [first, second].map { target in
                Connection(context: try Context(), endpoint: target.endpoint, timeout: .seconds(10), retries: 0,
                           security: target.security)
            }
            var samples: [[Double]] = [[], []]
            for (round, start) in stride(from: 0, to: count, by: block).enumerated() {
                for side in round % 2 == 0 ? [0, 1] : [1, 0] {
                    for index in start..<min(start + block, count) {
                        var elapsed: Duration?
                        var failure: ErrorBody?
                        try connections[side].send([request(index)], window: 1) { _, reply, time in
                            if reply.isOK { elapsed = time } else { failure = reply.errorBody }
                        }
                        if let failure { throw failure }
                        guard let elapsed else { throw ClientError.badReply("no reply") }
                        samples[side].append(elapsed.milliseconds)
                    }
                }
            }
            return (Measure.Latencies(samples[0]), Measure.Latencies(samples[1]))
        }
    }
}
