import Foundation
import WireProtocol
import ZMQ

/// Asks several endpoints at once and waits for them together, so that checking four
/// services costs one timeout, not four. No retries: a probe reports what it sees, and an
/// endpoint that refuses the connection is reported `.refused` at once.
public enum Probe {
    public static func send(_ request: Request, to endpoints: [String], context: Context,
                            timeout: Duration) -> [Result<Reply, ClientError>] {
        var results = endpoints.map { endpoint -> Result<Reply, ClientError> in
            .failure(.unreachable(endpoint: endpoint, attempts: 1, timeout: timeout))
        }
        var waiting: [Int: Link] = [:]
        for (index, endpoint) in endpoints.enumerated() {
            do {
                waiting[index] = try Link(context: context, endpoints: [endpoint])
            } catch {
                results[index] = .failure(.badReply("\(endpoint): \(error)"))
            }
        }
        var sent: Set<Int> = []
        let deadline = ContinuousClock.now + timeout
        func finish(_ index: Int, _ result: Result<Reply, ClientError>) {
            results[index] = result
            waiting.removeValue(forKey: index)?.close()
        }
        while !waiting.isEmpty {
            // Each request goes out once its connection is up; refusals end a wait at once.
            for (index, link) in waiting {
                do {
                    if !sent.contains(index), try link.trySend(request) { sent.insert(index) }
                    if let reply = try link.takeReply(), reply.requestID == request.id {
                        finish(index, .success(reply))
                    } else if link.refusedFor != nil {
                        finish(index, .failure(.refused(endpoints: [endpoints[index]])))
                    }
                } catch {
                    finish(index, .failure(.badReply("\(endpoints[index]): \(error)")))
                }
            }
            let remaining = deadline - .now
            guard !waiting.isEmpty, remaining > .zero else { break }
            var poller = Poller()
            for (index, link) in waiting { link.register(in: &poller, sending: !sent.contains(index)) }
            _ = try? poller.poll(timeout: remaining)
        }
        for (index, link) in waiting {
            if !sent.contains(index) { results[index] = .failure(.noConnection(endpoint: endpoints[index], waited: timeout)) }
            link.close()
        }
        return results
    }
}
