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
///
/// Subscriptions are the application's to grant (XPUB manual mode): with keys, a peer is
/// subscribed to a watch's topic only when its identity owns the watch or is an admin, so
/// nobody reads another identity's matches; a refused subscription is logged and counted
/// (`stream.refused`) and simply delivers nothing.
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

    /// - Parameter ownerOf: a watch's owner now (`.some(nil)`: it has none), nil for no such watch.
    init(endpoint: String, highWaterMark: Int, runtime: ServiceRuntime,
         ownerOf: @escaping @Sendable (String) throws -> String??) async throws {
        let dropped = Dropped()
        self.dropped = dropped
        self.logger = runtime.logger
        let security = runtime.security, logger = runtime.logger, stats = runtime.state.stats
        let options = try security.serverOptions(binding: endpoint)
        pump = try await SocketPump.start(name: "notifier-stream", context: runtime.context,
                                          onDrop: { message in
            guard let topic = message.first else { return }
            dropped.add(topic)
            stats.add("stream.dropped")  // the same total as `droppedByWatch`, for /metrics
        },
                                          inspect: { socket, message in
            Self.grant(message, on: socket, security: security, ownerOf: ownerOf, logger: logger, stats: stats)
        }) { context in
            let socket = try context.socket(.xpub)
            socket.prefixesUserID = true
            try socket.set([.linger(milliseconds: 500), .sendHighWaterMark(Int32(clamping: highWaterMark)), .xpubNoDrop(true),
                            .xpubManual(true)] + options)
            try socket.bind(endpoint)
            return socket
        }
        runtime.state.setEndpoint("stream", pump.lastEndpoint)
        runtime.logger.info("listening", metadata: ["endpoint": "\(pump.lastEndpoint)", "role": "stream", "socket": "XPUB"])
    }

    /// Messages dropped for slow subscribers, by watch.
    var droppedByWatch: [String: Int] { dropped.all }

    /// One match: a plain watch's record, or a synthesis watch's move (its own message type).
    func publish(_ match: MatchHeader, _ payload: MatchPayload) {
        pump.send([WatchName.topic(match.watch), Wire.versionFrame, Data(payload.messageType.utf8), WireJSON.encode(match),
                   payload.json])
    }

    /// On the socket's thread, right after a subscription arrives (manual mode applies it to
    /// the peer that sent the last one): subscribes the peer if its identity may read the topic.
    /// Returns whether the subscription was granted (an unsubscription always is).
    private static func grant(_ message: Multipart, on socket: Socket, security: ServiceSecurity,
                              ownerOf: (String) throws -> String??, logger: Logger, stats: ServiceStats) -> Bool {
        guard message.count == 2, let kind = message[1].first, kind <= 1 else { return false }
        let topic = message[1].dropFirst()
        guard kind == 1 else {
            try? socket.set(.unsubscribe(Data(topic)))
            return true
        }
        let caller = security.caller(userID: message[0])
        let watch = topic.last == 0 ? String(decoding: topic.dropLast(), as: UTF8.self) : nil
        let owner = watch.flatMap { try? ownerOf($0) }
        let allowed: Bool = switch (caller, watch, owner) {
        case (nil, _, _): false  // its key was revoked since it connected
        case (let caller?, _, _) where !caller.isAuthenticated || caller.has(.admin): true
        case (let caller?, _?, let owner??): caller.owns(owner)
        default: false  // no such watch, or a prefix of several topics
        }
        guard allowed else {
            stats.add("stream.refused")
            logger.warning("stream subscription refused", metadata: [
                "identity": "\(caller?.name ?? "revoked key")", "watch": "\(watch ?? String(decoding: topic, as: UTF8.self))"])
            return false
        }
        do { try socket.set(.subscribe(Data(topic))) } catch {
            logger.warning("stream subscription failed", metadata: ["error": "\(error)"])
            return false
        }
        return true
    }

    /// Reads subscriptions (XPUB hands them to the application) and logs them, until shutdown.
    func run() async throws {
        for await message in pump.incoming.cancelOnGracefulShutdown() {
            guard let frame = message.last, let kind = frame.first else { continue }
            let topic = String(decoding: frame.dropFirst().prefix { $0 != 0 }, as: UTF8.self)
            logger.debug(kind == 1 ? "stream subscriber joined" : "stream subscriber left", metadata: ["watch": "\(topic)"])
        }
        await pump.stop()
        if let failure = pump.failure { throw failure }  // the socket's thread died: stop with why
    }
}
