import Foundation
import WireProtocol
import ZMQ

/// Asks several endpoints at once and waits for them together, so that checking four
/// services costs one timeout, not four. No retries: a probe reports what it sees, and an
/// endpoint that refuses the connection is reported `.refused` at once.
public enum Probe {
    /// `security` gives each endpoint's CURVE client options (by index), or none.
    public static func send(_ request: Request, to endpoints: [String], context: Context, timeout: Duration,
                            security: (Int) -> [SocketOption] = { _ in [] }) -> [Result<Reply, ClientError>] {
        var results = endpoints.map { endpoint -> Result<Reply, ClientError> in
            .failure(.unreachable(endpoint: endpoint, attempts: 1, timeout: timeout))
        }
        var waiting: [Int: (link: Link, health: LinkHealth)] = [:]
        for (index, endpoint) in endpoints.enumerated() {
            do {
                waiting[index] = (try Link(context: context, endpoints: [endpoint], security: security(index)),
                                  LinkHealth(endpoints: 1))
            } catch {
                results[index] = .failure(.badReply("\(endpoint): \(error)"))
            }
        }
        var sent: Set<Int> = []
        let deadline = ContinuousClock.now + timeout
        func finish(_ index: Int, _ result: Result<Reply, ClientError>) {
            results[index] = result
            waiting.removeValue(forKey: index)?.link.close()
        }
        while !waiting.isEmpty {
            // Each request goes out once its connection is up; refusals end a wait at once.
            for (index, (link, _)) in waiting {
                do {
                    for event in try link.takeEvents() { waiting[index]!.health.heard(event) }
                    if !sent.contains(index), try link.trySend(request) { sent.insert(index) }
                    if let reply = try link.takeReply(), reply.requestID == request.id {
                        finish(index, .success(reply))
                    } else if let failure = waiting[index]!.health.handshakeFailure {
                        finish(index, .failure(.handshakeRefused(failure)))
                    } else if waiting[index]!.health.refusedSince != nil {
                        finish(index, .failure(.refused(endpoints: [endpoints[index]])))
                    }
                } catch {
                    finish(index, .failure(.badReply("\(endpoints[index]): \(error)")))
                }
            }
            guard !waiting.isEmpty, deadline > .now else { break }
            var poller = Poller()
            for (index, (link, _)) in waiting { link.register(in: &poller, sending: !sent.contains(index)) }
            _ = try? poller.poll(timeout: deadline - .now)
        }
        for (index, (link, _)) in waiting {
            if !sent.contains(index) { results[index] = .failure(.noConnection(endpoint: endpoints[index], waited: timeout)) }
            link.close()
        }
        return results
    }
}
