import EvidenceModel
import EvidenceStorage
import Foundation
import ServiceKit
import ServiceLifecycle
import WireProtocol
import ZMQ

/// The change feed: a PUB socket on which every committed change is published, after its
/// commit and in sequence order. Each change goes out on the topic `all` and on
/// `condition/<code>` for each of its conditions. Subscribers that fall behind by more
/// than the high-water mark lose messages (PUB never blocks the writer); sequence numbers
/// let them notice and catch up with `changes`.
final class FeedPublisher: Service, Sendable {
    static let allTopic = Data("all".utf8)
    private let pump: SocketPump

    init(endpoint: String, highWaterMark: Int, runtime: ServiceRuntime) async throws {
        let security = try runtime.security.serverOptions(binding: endpoint, rule: .storeFeed)
        pump = try await SocketPump.start(name: "evidence-store-feed", context: runtime.context) { context in
            let socket = try context.socket(.pub)
            try socket.set([.linger(milliseconds: 500), .sendHighWaterMark(Int32(clamping: highWaterMark))] + security)
            try socket.bind(endpoint)
            return socket
        }
        runtime.state.setEndpoint("feed", pump.lastEndpoint)
        runtime.logger.info("listening", metadata: ["endpoint": "\(pump.lastEndpoint)", "role": "feed", "socket": "PUB"])
    }

    func publish(_ changes: [StoredChange]) {
        var messages: [Multipart] = []
        messages.reserveCapacity(changes.count * 2)
        for (header, body) in changes {
            let frames = [Wire.versionFrame, Self.changeFrame, header.jsonData, body]
            messages.append([Self.allTopic] + frames)
            for code in EvidenceRecord.conditionCodes(inCanonical: body) {
                messages.append([Data("condition/\(code)".utf8)] + frames)
            }
        }
        pump.send(contentsOf: messages)
    }

    static let changeFrame = Data(MessageType.change.utf8)

    /// Stays up until shutdown, then sends what is queued and closes. A PUB socket receives
    /// nothing: `incoming` ends only at shutdown or when the socket's thread dies, and then
    /// the store stops with why instead of committing changes nobody is told about.
    func run() async throws {
        for await _ in pump.incoming.cancelOnGracefulShutdown() {}
        await pump.stop()
        if let failure = pump.failure { throw failure }
    }
}
