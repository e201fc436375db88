import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import WireProtocol
import ZMQ

/// Requests from one service to another (ingest → store, followers → store) from async
/// code: the request engine's face for many concurrent callers.
///
/// One DEALER on its own thread (a `SocketPump`), with ZMTP heartbeats (`LinkSettings`) and
/// a monitor. Replies are matched to requests by id, so many requests can be in flight;
/// callers asking with the same id share one request. The engine (`RequestEngine`, policy
/// `RetryPolicy.serviceLink`) resends a late request with the same id — the receiving service
/// recognises the retry; the socket reconnects by itself — and after `attempts` sends the
/// caller gets `unavailable` with a retry hint: never a hang. When nothing listens at the
/// endpoint (the store is not running) the monitor says so, and callers get `unavailable`
/// as soon as a connection attempt made while they wait is refused (libzmq tries every
/// 100 ms, doubling to 2 s), without waiting for the timeouts. An `unavailable` answer from the other service is
/// handed back as it is: the caller decides whether to retry.
///
/// A name that stands for several instances is connected at each of its addresses and
/// resolved again every `resolveInterval` on the socket's thread (`ReplicaDiscovery`).
public final class ServiceClient: Service, Sendable {
    public let endpoint: String
    private let core: Core
    private let pump: SocketPump

    public init(endpoint: String, name: String, attemptTimeout: Duration = .seconds(2), attempts: Int = 3,
                context: Context, logger: Logger, security: [SocketOption] = [],
                resolveInterval: Duration = ReplicaDiscovery.defaultInterval, resolver: AddressResolver = .system) async throws {
        self.endpoint = endpoint
        let engine = RequestEngine(endpoint: endpoint, policy: .serviceLink(timeout: attemptTimeout, attempts: attempts))
        let core = Core(engine: engine, logger: logger,
                        discovery: ReplicaDiscovery(endpoints: engine.endpoints, interval: resolveInterval, resolver: resolver))
        self.core = core
        // Both closures run on the pump's thread: the first lookup before connecting, then one every interval.
        pump = try await SocketPump.start(name: name, context: context, onEvent: { core.heard($0) },
                                          chore: { core.rediscover(socket: $0) }) { context in
            try Link.open(context: context, endpoints: core.discoverFirst(), heartbeats: true, security: security)
        }
    }

    /// Whether a connection to the service is up now, as the monitor last said (heartbeats
    /// make a silent service's connection drop within 3 s).
    public var isConnected: Bool { core.isConnected }

    /// Sends `request` and returns the reply (which may be an error reply). Throws `ErrorBody`
    /// with `unavailable` when the other service cannot be reached.
    /// A cancelled caller stops waiting at once (its request may still be answered; the
    /// answer is then dropped).
    public func send(_ request: Request) async throws -> Reply {
        let frames = request.delimitedFrames
        let id = request.id
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if core.start(id, frames: frames, waiter: continuation) { pump.send(frames) }
                if Task.isCancelled { core.abandon(id) }
            }
        } onCancel: {
            core.abandon(id)
        }
    }

    /// Sends `request` and decodes a successful reply; an error reply is thrown as its `ErrorBody`.
    public func call<Body: Decodable>(_ request: Request, as type: Body.Type) async throws -> Body {
        try await send(request).decode(type)
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.receiveReplies() }
            group.addTask { await self.settleOverdue() }
            await group.next()
            group.cancelAll()
        }
        core.shutDown()
        await pump.stop()
        // The socket's thread ended under us: stop the service with the reason, not as a mystery.
        if let failure = pump.failure {
            core.logger.error("service link failed", metadata: ["peer": "\(endpoint)", "error": "\(failure)"])
            throw failure
        }
    }

    private func receiveReplies() async {
        for await frames in pump.incoming.cancelOnGracefulShutdown() {
            guard let reply = Reply(delimited: frames) else { continue }
            core.received(reply)
        }
    }

    /// Resends what is late and gives up what has run out of attempts, every 50 ms.
    private func settleOverdue() async {
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: .milliseconds(50))
                let resend = self.core.settle()
                if !resend.isEmpty { self.pump.send(contentsOf: resend) }
            }
        }
    }
}

/// The engine and the callers waiting on it, shared by the caller tasks, the reply loop and
/// the socket's thread (which reports the monitor's events).
private final class Core: Sendable {
    typealias Waiter = CheckedContinuation<Reply, any Error>

    private struct State {
        var engine: RequestEngine
        /// Per request id: its frames (to resend) and who waits for its answer.
        var calls: [String: (frames: Multipart, waiters: [Waiter])] = [:]

        /// Takes the waiters of the requests `due` gave up.
        mutating func takeFailures(_ failed: [(id: String, error: ClientError)]) -> [(Waiter, ClientError)] {
            failed.flatMap { id, error in (calls.removeValue(forKey: id)?.waiters ?? []).map { ($0, error) } }
        }
    }

    private let state: Mutex<State>
    private let lastWarning = Mutex<ContinuousClock.Instant?>(nil)
    let logger: Logger
    let endpoint: String
    let endpoints: [String]

    /// What the names of `endpoints` stand for; only the socket's thread uses it.
    private let discovery: Mutex<ReplicaDiscovery>

    init(engine: RequestEngine, logger: Logger, discovery: ReplicaDiscovery) {
        endpoint = engine.endpoint
        endpoints = engine.endpoints
        self.logger = logger
        state = Mutex(State(engine: engine))
        self.discovery = Mutex(discovery)
    }

    var isConnected: Bool { state.withLock { $0.engine.health.isUp } }

    /// On the socket's thread, before connecting: what to connect to.
    func discoverFirst() -> [String] {
        discovery.withLock { discovery in
            let change = discovery.refresh()
            if !change.isEmpty { state.withLock { $0.engine.endpointsChanged(change, count: discovery.current.count) } }
            return discovery.current
        }
    }

    /// On the socket's thread: resolves the names again when due, connects and disconnects
    /// what changed, and says when to look next.
    func rediscover(socket: Socket) -> ContinuousClock.Instant? {
        discovery.withLock { discovery in
            let change = discovery.refresh()
            guard !change.isEmpty else { return discovery.nextCheck }
            do {
                try Link.apply(change, to: socket)
                logger.info("instances changed", metadata: ["peer": "\(endpoint)", "added": "\(change.added)",
                                                            "removed": "\(change.removed)"])
            } catch {
                logger.error("cannot connect to a new instance", metadata: ["peer": "\(endpoint)", "error": "\(error)"])
            }
            state.withLock { $0.engine.endpointsChanged(change, count: discovery.current.count) }
            return discovery.nextCheck
        }
    }

    /// Registers a caller; true when its request is new and must be sent, false when one with
    /// this id is in flight already (the caller then waits for that answer).
    func start(_ id: String, frames: Multipart, waiter: Waiter) -> Bool {
        state.withLock { state in
            if state.calls[id] != nil {
                state.calls[id]!.waiters.append(waiter)
                return false
            }
            state.engine.sent(id)
            state.calls[id] = (frames, [waiter])
            return true
        }
    }

    func received(_ reply: Reply) {
        let waiters = state.withLock { state -> [Waiter] in
            guard case .answered = state.engine.received(reply) else { return [] }
            return state.calls.removeValue(forKey: reply.requestID)?.waiters ?? []
        }
        for waiter in waiters { waiter.resume(returning: reply) }
    }

    /// Stops waiting for a request's answer: its callers get `CancellationError`.
    func abandon(_ id: String) {
        let waiters = state.withLock { state in
            state.engine.forget(id)
            return state.calls.removeValue(forKey: id)?.waiters ?? []
        }
        for waiter in waiters { waiter.resume(throwing: CancellationError()) }
    }

    /// What is due now: the frames to resend; the callers given up on are answered here.
    func settle() -> [Multipart] {
        let (resend, failed) = state.withLock { state in
            let due = state.engine.due()
            return (due.resend.compactMap { state.calls[$0]?.frames }, state.takeFailures(due.failed))
        }
        fail(failed)
        return resend
    }

    /// The monitor's news, on the socket's thread. A refused attempt answers at once every
    /// caller that was waiting (the engine decides which).
    func heard(_ event: SocketEvent) {
        let (change, failed) = state.withLock { state -> (LinkHealth.Change?, [(Waiter, ClientError)]) in
            let change = state.engine.heard(event)
            return (change, state.takeFailures(state.engine.takeRefused()))
        }
        switch change {
        case .up: logger.info("connected", metadata: ["peer": "\(endpoint)"])
        case .lost: logger.warning("connection lost; reconnecting", metadata: ["peer": "\(endpoint)"])
        case .refused:
            if let failure = state.withLock({ $0.engine.health.handshakeFailure }) {
                logger.error("secure handshake refused: check the keys", metadata: ["peer": "\(endpoint)", "error": "\(ClientError.handshakeRefused(failure))"])
            } else {
                logger.warning("connection refused: nothing listens there", metadata: ["peer": "\(endpoint)"])
            }
        case nil: break
        }
        fail(failed)
    }

    /// Answers every caller still waiting: the link is closing.
    func shutDown() {
        let waiters = state.withLock { state in
            state.engine.forgetAll()
            defer { state.calls.removeAll() }
            return state.calls.values.flatMap(\.waiters)
        }
        let closing = ErrorBody(code: .unavailable, message: "the link to \(endpoint) is shutting down; retry with the same request id",
                                retryAfterMs: 1000)
        for waiter in waiters { waiter.resume(throwing: closing) }
    }

    /// What a caller gets when the other service cannot be reached, with when to retry:
    /// soon after a refusal (a restart takes about that long), later after silence.
    func unavailable(_ error: ClientError) -> ErrorBody {
        let retryAfter = if case .refused = error { 500 } else { 1000 }
        return ErrorBody(code: .unavailable, message: "\(error); retry with the same request id", retryAfterMs: retryAfter)
    }

    private func fail(_ failed: [(Waiter, ClientError)]) {
        guard let (_, first) = failed.first else { return }
        if case .unreachable = first { warnUnreachable(first) }
        for (waiter, error) in failed { waiter.resume(throwing: unavailable(error)) }
    }

    /// At most one warning per five seconds: a dead peer under load must not flood the log.
    /// (Refusals are logged once, as the link changes.)
    private func warnUnreachable(_ error: ClientError) {
        let shouldLog = lastWarning.withLock { last -> Bool in
            guard last.map({ ContinuousClock.now - $0 > .seconds(5) }) ?? true else { return false }
            last = .now
            return true
        }
        if shouldLog { logger.warning("no answer", metadata: ["peer": "\(endpoint)", "error": "\(error)"]) }
    }
}
