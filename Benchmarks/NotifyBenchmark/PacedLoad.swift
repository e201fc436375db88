import BenchmarkSupport
import Foundation
import Client
import SyntheticData
import WireProtocol
import ZMQ

/// Submits synthetic records through ingest at a steady rate: one request of `batchSize`
/// records every `batchSize / rate` seconds, on schedule (a late request does not shift the
/// ones after it).
enum PacedLoad {
    /// Returns how long the load took. `security`: the CURVE client options for ingest, or none.
    static func run(range: Range<Int>, rate: Int, batchSize: Int, ingest: String,
                    security: [SocketOption] = []) async throws -> Duration {
        try await run(range.map { SyntheticRecords.record($0).jsonData }, name: "paced-\(range.lowerBound)", rate: rate,
                      batchSize: batchSize, ingest: ingest, security: security)
    }

    /// The same for any records; `name` prefixes the request ids.
    static func run(_ bodies: [Data], name: String, rate: Int, batchSize: Int, ingest: String,
                    security: [SocketOption] = []) async throws -> Duration {
        try await Measure.onThread {
            let connection = Connection(context: try Context(), endpoint: ingest, timeout: .seconds(10), retries: 0,
                                        security: security)
            let interval = Duration.seconds(Double(batchSize) / Double(rate))
            let clock = ContinuousClock(), started = clock.now
            for (number, start) in stride(from: 0, to: bodies.count, by: batchSize).enumerated() {
                let due = started + interval * number
                if due > clock.now { Thread.sleep(forTimeInterval: (due - clock.now).seconds) }
                let batch = Array(bodies[start..<min(start + batchSize, bodies.count)])
                let reply = try connection.send(Request(type: MessageType.submit, id: "\(name)-\(start)",
                                                        body: SubmitRequest(submitter: "bench"), attachments: batch))
                guard reply.isOK else { throw reply.errorBody }
            }
            return clock.now - started
        }
    }
}
