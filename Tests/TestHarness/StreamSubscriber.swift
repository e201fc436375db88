import Foundation
import ZMQ

/// A SUB socket on the notifier's stream (or any PUB), on a thread of its own, subscribed
/// to one topic prefix: what a stream client written from docs/PROTOCOL.md does.
public final class StreamSubscriber: Sendable {
    private let pump: SocketPump

    public init(_ endpoint: String, topic: Data, security: [SocketOption] = []) async throws {
        pump = try await SocketPump.start(name: "test-subscriber", context: try Context()) { context in
            let socket = try context.socket(.sub)
            try socket.set([.linger(milliseconds: 0), .subscribe(topic)] + security)
            try socket.connect(endpoint)
            return socket
        }
    }

    /// The next message, or nil when none comes within `wait`.
    public func next(within wait: Duration) async throws -> Multipart? {
        try await withThrowingTaskGroup(of: Multipart?.self) { group in
            group.addTask { await self.pump.nextBatch(max: 1)?.first }
            group.addTask {
                try await Task.sleep(for: wait)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    public func close() async { await pump.stop() }
}
