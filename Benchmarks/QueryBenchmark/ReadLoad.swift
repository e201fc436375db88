import BenchmarkSupport
import Foundation
import Client
import Synchronization
import WireProtocol
import ZMQ

/// Clients sending filtered queries as fast as answers come, spread over the replicas.
enum ReadLoad {
    /// Answers per second, all clients together. `security`: the CURVE client options, or none.
    static func run(endpoints: [String], clients: Int, seconds: Double, security: [SocketOption] = []) async throws -> Double {
        let answered = Counter()
        let deadline = ContinuousClock.now + .seconds(seconds)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                let endpoint = endpoints[client % endpoints.count]
                group.addTask {
                    try await Measure.onThread {
                        let connection = Connection(context: try Context(), endpoint: endpoint, timeout: .seconds(10), retries: 0,
                                                    security: security)
                        var index = 0
                        while ContinuousClock.now < deadline {
                            let condition = ["crohns", "ms", "fibromyalgia", "crps"][(client + index) % 4]
                            let reply = try connection.send(Request(type: MessageType.query, id: "load-\(client)-\(index)", body: QueryRequest(
                                filter: EvidenceFilter(condition: condition, design: [.rct], minCertainty: .moderate), limit: 20)))
                            guard reply.isOK else { throw reply.errorBody }
                            answered.add()
                            index += 1
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(answered.value) / seconds
    }

    final class Counter: Sendable {
        private let count = Atomic(0)
        func add() { count.add(1, ordering: .relaxed) }
        var value: Int { count.load(ordering: .relaxed) }
    }
}
