import Foundation
import WireProtocol
import ZMQ

/// Asks several endpoints at once and waits for them together, so that checking four
/// services costs one timeout, not four. No retries: a probe reports what it sees.
public enum Probe {
    public static func send(_ request: Request, to endpoints: [String], context: Context,
                            timeout: Duration) -> [Result<Reply, ClientError>] {
        var results = endpoints.map { endpoint -> Result<Reply, ClientError> in
            .failure(.unreachable(endpoint: endpoint, attempts: 1, timeout: timeout))
        }
        var waiting: [Int: Socket] = [:]
        for (index, endpoint) in endpoints.enumerated() {
            do {
                let socket = try context.socket(.dealer)
                try socket.set(.linger(milliseconds: 0))
                try socket.connect(endpoint)
                try socket.sendRequest(request)
                waiting[index] = socket
            } catch {
                results[index] = .failure(.badReply("\(endpoint): \(error)"))
            }
        }
        let deadline = ContinuousClock.now + timeout
        while !waiting.isEmpty, case let remaining = deadline - .now, remaining > .zero {
            let order = Array(waiting.keys)
            var poller = Poller()
            for index in order { poller.add(waiting[index]!) }
            guard (try? poller.poll(timeout: remaining)) ?? 0 > 0 else { continue }
            for (item, index) in order.enumerated() where poller.events(at: item).contains(.readable) {
                if let reply = try? waiting[index]!.receiveReply(to: request.id) {
                    results[index] = .success(reply)
                    waiting[index]?.close()
                    waiting[index] = nil
                }
            }
        }
        for socket in waiting.values { socket.close() }
        return results
    }
}
