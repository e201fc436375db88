import Foundation
import Logging
import ServiceKit
import ServiceLifecycle
import Synchronization
import WireProtocol
import ZMQ

/// The notifier's stream: an XPUB socket on which each match is published under its
/// watch's topic. A subscriber more than the high-water mark behind does not slow the
/// notifier down: messages it cannot take are dropped (XPUB_NODROP tells us which) and
/// counted per watch; the per-watch `delivery` numbers show the subscriber the gap.
final class StreamPublisher: Service, Sendable {
    private let pump: SocketPump
    private let dropped: Dropped
    private let logger: Logger

    final class Dropped: Sendable {
        private let counts = Mutex<[String: Int]>([:])
        func add(_ topic: Data) {
            let watch = String(decoding: topic.prefix { $0 != 0 }, as: UTF8.self)
            counts.withLock { $0[watch, default: 0] += 1 }
        }
        var all: [String: Int] { counts.withLock { $0 } }
    }

    init(endpoint: String, highWaterMark: Int, runtime: ServiceRuntime) async throws {
        let dropped = Dropped()
        self.dropped = dropped
        self.logger = runtime.logger
        pump = try await SocketPump.start(name: "notifier-stream", context: runtime.context,
                                          onDrop: { message in if let topic = message.first { dropped.add(topic) } }) { context in
            let socket = try context.socket(.xpub)
            try socket.set([.linger(milliseconds: 500), .sendHighWaterMark(Int32(clamping: highWaterMark)), .xpubNoDrop(true)])
            try socket.bind(endpoint)
            return socket
        }
        runtime.state.setEndpoint("stream", pump.lastEndpoint)
        runtime.logger.info("listening", metadata: ["endpoint": "\(pump.lastEndpoint)", "role": "stream", "socket": "XPUB"])
    }

    /// Messages dropped for slow subscribers, by watch.
    var droppedByWatch: [String: Int] { dropped.all }

    func publish(_ match: MatchHeader, record: Data) {
        pump.send([WatchName.topic(match.watch), Wire.versionFrame, Data(MessageType.match.utf8), WireJSON.encode(match), record])
    }

    /// Reads subscriptions (XPUB hands them to the application) and logs them, until shutdown.
    func run() async throws {
        for await message in pump.incoming.cancelOnGracefulShutdown() {
            guard let frame = message.first, let kind = frame.first else { continue }
            let topic = String(decoding: frame.dropFirst().prefix { $0 != 0 }, as: UTF8.self)
            logger.debug(kind == 1 ? "stream subscriber joined" : "stream subscriber left", metadata: ["watch": "\(topic)"])
        }
        await pump.stop()
        if let failure = pump.failure { throw failure }  // the socket's thread died: stop with why
    }
}
