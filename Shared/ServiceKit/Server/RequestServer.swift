import Foundation
import Client
import CurveAuth
import Logging
import ServiceLifecycle
import WireProtocol
import ZMQ

/// A ROUTER socket answering requests (zguide: asynchronous server). Peers may be REQ
/// sockets or DEALERs with or without the empty delimiter frame; replies echo the
/// routing frames exactly. Requests are handled concurrently, at most `maxInFlight` at
/// once; on graceful shutdown it stops reading, finishes and answers what it took, then closes.
///
/// Size limit (docs/PROTOCOL.md 2.3): libzmq drops a single frame over `maxMessageBytes`
/// together with its connection (`ZMQ_MAXMSGSIZE`, which bounds frames, not messages);
/// a message whose frames add up to more is released frame by frame without being copied
/// and answered `too_large` from the socket's thread.
///
/// Requests larger than `heavyRequestBytes` are handled on threads of their own (see
/// `DedicatedThreadsExecutor`), at nice 4, so that parsing and judging megabytes never
/// holds the cooperative pool, and `status` and other small requests are answered meanwhile
/// even when the cores are busy. Why threads rather than a cap on heavy handlers below the
/// pool's width: only the operating system preempts, so only a thread of its own can be
/// interrupted in the middle of a long parse; a cap would still leave small requests queued
/// behind heavy ones on the pool, and on one core it would be zero.
public struct RequestServer: Service {
    let role: String
    let state: ServiceState
    let routes: Routes
    let logger: Logger
    let maxMessageBytes: Int
    let maxInFlight: Int
    let heavyRequestBytes: Int
    let heavyThreads: Int
    let security: ServiceSecurity
    let pump: SocketPump
    let metrics: RequestMetrics

    /// Requests above this many bytes count as heavy. A status request is about 60 bytes and
    /// a query under 1 KiB; JSON of this size parses in well under a millisecond, so what
    /// stays on the pool is always quick.
    public static let defaultHeavyRequestBytes = 64 << 10

    /// Binds the endpoint now, so that a port in use stops the service before it starts.
    ///
    /// - Parameters:
    ///   - heavyThreads: threads for heavy requests; by default one per core, so that a busy
    ///     intake keeps the parallelism it had on the pool.
    public init(role: String = "requests", endpoint: String, context: Context, state: ServiceState, routes: Routes,
                logger: Logger, maxMessageBytes: Int, maxInFlight: Int = 256,
                heavyRequestBytes: Int = RequestServer.defaultHeavyRequestBytes,
                heavyThreads: Int = ProcessInfo.processInfo.activeProcessorCount,
                security: ServiceSecurity = ServiceSecurity(insecure: false), access: AccessRule = .anyIdentity) async throws {
        self.role = role
        self.security = security
        self.state = state
        self.routes = routes
        self.logger = logger
        self.maxMessageBytes = maxMessageBytes
        self.maxInFlight = maxInFlight
        self.heavyRequestBytes = heavyRequestBytes
        self.heavyThreads = heavyThreads
        let metrics = RequestMetrics(metrics: state.metrics, types: routes.types)
        self.metrics = metrics
        // A ROUTER prepends the peer's identity, which the peer did not send; the frames up to
        // the request id are kept from an oversized message to answer it. (The socket puts the
        // sender's user id in front of all these, uncounted: `prefixesUserID`.)
        let socketOptions = try security.serverOptions(binding: endpoint, rule: access)
        let limit = MessageLimit(bytes: maxMessageBytes, uncountedFrames: 1, keptFrames: 5)
        pump = try await SocketPump.start(
            name: "\(state.service)-\(role)", context: context,
            onError: { [logger, state] error in
                // With ROUTER_MANDATORY, a reply to a peer that has gone fails with EHOSTUNREACH.
                if error.code == EHOSTUNREACH {
                    state.stats.add("replies.undelivered")
                    logger.debug("reply not delivered: the client has gone", metadata: ["error": "\(error)"])
                } else {
                    state.stats.add("socket.errors")
                    logger.warning("socket error", metadata: ["role": "\(role)", "error": "\(error)"])
                }
            },
            oversize: SocketPump.Oversize(limit: limit) { [state, logger] head, bytes in
                Self.answerTooLarge(head, bytes: bytes, limit: maxMessageBytes, state: state, metrics: metrics, logger: logger)
            }
        ) { context in
            let socket = try context.socket(.router)
            socket.prefixesUserID = true
            // No single frame can exceed the limit of its whole message: libzmq drops such a
            // frame (and the connection) as its header arrives, before buffering it.
            try socket.set([.linger(milliseconds: 1000), .routerMandatory(true),
                            .maxMessageSize(bytes: Int64(maxMessageBytes))] + socketOptions)
            try socket.bind(endpoint)
            return socket
        }
        state.setEndpoint(role, pump.lastEndpoint)
        logger.info("listening", metadata: ["endpoint": "\(pump.lastEndpoint)", "role": "\(role)", "socket": "ROUTER"])
    }

    /// A server for one of this process's endpoints, with the process's context, state, logger and limits.
    public init(role: String = "requests", endpoint: String, runtime: ServiceRuntime, routes: Routes,
                access: AccessRule = .anyIdentity) async throws {
        try await self.init(role: role, endpoint: endpoint, context: runtime.context, state: runtime.state, routes: routes,
                            logger: runtime.logger, maxMessageBytes: runtime.options.maxMessageBytes,
                            security: runtime.security, access: access)
    }

    public func run() async throws {
        // Nice 4: a large request is background work next to status and small requests, but
        // not starved by other processes on a busy host. At nice 10 (a CFS weight of 110
        // against 1024) a debug-built ingest under a loaded full test suite could go 30 s
        // without answering one 400-record submit; status is kept quick by the separate
        // threads (the OS preempts them), which nice 4 keeps (status waited 2–4 % of a load).
        let heavy = DedicatedThreadsExecutor(threads: heavyThreads, niceness: 4)
        defer { heavy.shutdown() }
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await message in pump.incoming.cancelOnGracefulShutdown() {
                if running >= maxInFlight {
                    await group.next()
                    running -= 1
                }
                if message.reduce(0, { $0 + $1.count }) > heavyRequestBytes {
                    group.addTask(executorPreference: heavy) { await self.answer(message) }
                } else {
                    group.addTask { await self.answer(message) }
                }
                running += 1
            }
            logger.info("draining", metadata: ["role": "\(role)"])
        }
        await pump.stop()
        // The socket's thread ended under us: stop the service with the reason, not as a mystery.
        if let failure = pump.failure {
            logger.error("request socket failed", metadata: ["role": "\(role)", "error": "\(failure)"])
            throw failure
        }
    }

    private func answer(_ message: Multipart) async {
        let started = ContinuousClock.now
        let userID = message[0]
        let message = Array(message.dropFirst())
        let routing = Self.routing(of: message)
        let caller = security.caller(userID: userID)
        let reply: Reply
        switch Request.parse(message.dropFirst(routing.count)) {
        case .failure(let failure):
            reply = .error(failure.partial, failure.error)
        case .success(var request):
            if let caller {
                request.caller = caller
                reply = await routes.handle(request, logger: Self.logger(logger, for: request, from: routing))
            } else {
                reply = .error(request, ErrorBody(code: .forbidden, message: "the key this connection was admitted with is no longer on the allow-list; connect again with a current key",
                                                  identity: "revoked key \(String(decoding: userID, as: UTF8.self))"))
            }
        }
        // Counted before it is sent: a client that has its answer finds it in status and /metrics.
        Self.record(reply, since: started, state: state, metrics: metrics, logger: logger, peer: routing,
                    identity: caller.flatMap { $0.isAuthenticated ? $0.name : nil })
        pump.send(routing + reply.frames)
    }

    /// The logger for one request: every line it writes names the request, the peer and,
    /// with keys, the authenticated identity.
    static func logger(_ base: Logger, for request: Request, from routing: Multipart) -> Logger {
        var logger = base
        logger[metadataKey: "request.id"] = "\(request.id)"
        logger[metadataKey: "request.type"] = "\(request.type)"
        logger[metadataKey: "peer"] = .stringConvertible(PeerIdentity(routing))
        if request.caller.isAuthenticated { logger[metadataKey: "identity"] = "\(request.caller.name)" }
        return logger
    }

    /// The routing frames to echo: the peer's identity, and the empty delimiter when it sent one.
    private static func routing(of message: Multipart) -> Multipart {
        Array(message.prefix(message.count > 1 && message[1].isEmpty ? 2 : 1))
    }

    /// The `too_large` reply to a message the socket thread did not copy, echoing its type and
    /// id when they can be read. Runs on the socket's thread: only the first frames are parsed.
    private static func answerTooLarge(_ head: Multipart, bytes: Int, limit: Int, state: ServiceState,
                                       metrics: RequestMetrics, logger: Logger) -> Multipart {
        let started = ContinuousClock.now
        let head = Array(head.dropFirst())  // the user id
        let routing = routing(of: head)
        // The envelope with an empty body in place of the real one, which was not kept.
        let envelope = Array(head.dropFirst(routing.count).prefix(3)) + [Data("{}".utf8)]
        let request: Request
        switch Request.parse(envelope[...]) {
        case .success(let parsed): request = parsed
        case .failure: request = Request(type: "", id: "")
        }
        let reply = Reply.error(request, ErrorBody(code: .tooLarge,
                                                   message: "message is \(bytes) bytes; this service accepts at most \(limit)"))
        record(reply, since: started, state: state, metrics: metrics, logger: logger, peer: routing)
        return routing + reply.frames
    }

    private static func record(_ reply: Reply, since started: ContinuousClock.Instant, state: ServiceState,
                               metrics: RequestMetrics, logger: Logger, peer routing: Multipart, identity: String? = nil) {
        let elapsed = ContinuousClock.now - started
        state.stats.recordRequest(ok: reply.isOK, duration: elapsed)
        metrics.record(reply, duration: elapsed)
        if !reply.isOK, case let error = reply.errorBody, error.code == .forbidden {
            state.stats.add("requests.forbidden")
            logger.warning("forbidden", metadata: ["request.id": "\(reply.requestID)", "request.type": "\(reply.type)",
                                                   "identity": "\(error.identity ?? "-")", "needs": "\(error.role ?? "-")",
                                                   "peer": .stringConvertible(PeerIdentity(routing))])
        }
        // The metadata is an autoclosure: built only when debug lines are written.
        logger.debug("request", metadata: ["request.id": "\(reply.requestID)", "request.type": "\(reply.type)",
                                           "peer": .stringConvertible(PeerIdentity(routing)), "ok": "\(reply.isOK)",
                                           "ms": "\(elapsed.milliseconds)"].merging(identity.map { ["identity": "\($0)"] } ?? [:]) { $1 })
    }
}

/// The peer's routing identity, written in hex: libzmq's own (five bytes, for a peer that
/// set none) tells the connections apart, so one client's requests can be followed. Kept as
/// bytes and formatted only when a line is written: every request's logger carries it, and at
/// `info` nothing per request is.
struct PeerIdentity: CustomStringConvertible, Sendable {
    let bytes: Data

    init(_ routing: Multipart) { bytes = routing.first ?? Data() }

    var description: String { bytes.map { String(format: "%02x", $0) }.joined() }
}

extension Duration {
    /// Whole and fractional milliseconds, for logs.
    public var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
