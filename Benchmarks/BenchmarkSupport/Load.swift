import Foundation
import Client
import SyntheticData
import WireProtocol
import ZMQ

extension Measure {
    /// Submits `bodies` through ingest as `ldn submit` does: batches, several in flight.
    /// Returns the records per second, each record's acknowledgement latency (ms), how many
    /// records were accepted, and the first error reply, if any.
    /// `security`: the CURVE client options for ingest, or none.
    public static func load(_ bodies: [Data], ingest: String, batchSize: Int, inFlight: Int,
                            security: [SocketOption] = []) async throws
        -> (throughput: Double, latencies: Latencies, accepted: Int, firstError: ErrorBody?) {
        let requests = stride(from: 0, to: bodies.count, by: batchSize).map { start in
            let range = start..<min(start + batchSize, bodies.count)
            let provenance = range.map { Provenance(submittedBy: "bench", sourceFile: "synthetic.jsonl", format: "jsonl",
                                                    recordNumber: $0 + 1, line: $0 + 1) }
            return Request(type: MessageType.submit, id: "bench-\(UUID().uuidString)-\(start)",
                           body: SubmitRequest(submitter: "bench", provenance: provenance), attachments: Array(bodies[range]))
        }
        return try await onThread {
            let connection = Connection(context: try Context(), endpoint: ingest, timeout: .seconds(30), retries: 0,
                                        security: security)
            var samples: [Double] = []
            var accepted = 0
            var firstError: ErrorBody?
            samples.reserveCapacity(bodies.count)
            let started = ContinuousClock.now
            try connection.send(requests, window: inFlight) { index, reply, elapsed in
                accepted += (try? reply.decode(SubmitReply.self))?.accepted ?? 0
                if !reply.isOK && firstError == nil { firstError = reply.errorBody }
                samples += repeatElement(elapsed.milliseconds, count: requests[index].attachments.count)
            }
            return (Double(bodies.count) / (ContinuousClock.now - started).seconds, Latencies(samples), accepted, firstError)
        }
    }
}
