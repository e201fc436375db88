import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import WireProtocol
import ZMQ

/// Requests from one service to another (ingest → store, query → store) from async code.
///
/// One DEALER on its own thread; replies are matched to requests by request id, so many
/// requests can be in flight. A request unanswered within `attemptTimeout` is resent with
/// the same id — the receiving service recognises the retry (Lazy Pirate over a DEALER;
/// the socket reconnects by itself) — and after `attempts` tries the caller gets
/// `unavailable` with a retry hint: never a hang.
public final class ServiceClient: Service, Sendable {
    public let endpoint: String
    private let attemptTimeout: Duration
    private let attempts: Int
    private let logger: Logger
    private let pump: SocketPump
    private let pending = Mutex<[String: Pending]>([:])
    private let lastWarning = Mutex<ContinuousClock.Instant?>(nil)

    private struct Pending {
        var frames: Multipart
        var deadline: ContinuousClock.Instant
        var attemptsLeft: Int
        var waiters: [CheckedContinuation<Reply, any Error>]
    }

    public init(endpoint: String, name: String, attemptTimeout: Duration = .seconds(2), attempts: Int = 3,
                runtime: ServiceRuntime) async throws {
        self.endpoint = endpoint
        self.attemptTimeout = attemptTimeout
        self.attempts = attempts
        self.logger = runtime.logger
        pump = try await SocketPump.start(name: name, context: runtime.context) { context in
            let socket = try context.socket(.dealer)
            try socket.set([.linger(milliseconds: 0), .reconnectInterval(milliseconds: 100),
                            .reconnectIntervalMax(milliseconds: 2000)])
            try socket.connect(endpoint)
            return socket
        }
    }

    /// Sends `request` and returns the reply (which may be an error reply). Throws `ErrorBody`
    /// with `unavailable` when every attempt timed out.
    /// A cancelled caller stops waiting at once (its request may still be answered; the
    /// answer is then dropped).
    public func send(_ request: Request) async throws -> Reply {
        let frames = [Data()] + request.frames
        let id = request.id
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let isNew = pending.withLock { pending -> Bool in
                    if pending[id] != nil {
                        pending[id]!.waiters.append(continuation)
                        return false
                    }
                    pending[id] = Pending(frames: frames, deadline: .now + attemptTimeout,
                                          attemptsLeft: attempts - 1, waiters: [continuation])
                    return true
                }
                if isNew { pump.send(frames) }
                if Task.isCancelled { abandon(id) }
            }
        } onCancel: {
            abandon(id)
        }
    }

    /// Stops waiting for a request's answer: its callers get `CancellationError`.
    private func abandon(_ id: String) {
        let waiters = pending.withLock { $0.removeValue(forKey: id)?.waiters ?? [] }
        for waiter in waiters { waiter.resume(throwing: CancellationError()) }
    }

    /// Sends `request` and decodes a successful reply; an error reply is thrown as its `ErrorBody`.
    public func call<Body: Decodable>(_ request: Request, as type: Body.Type) async throws -> Body {
        try await send(request).decode(type)
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.receiveReplies() }
            group.addTask { await self.resendOverdue() }
            await group.next()
            group.cancelAll()
        }
        let unanswered = pending.withLock { pending in
            defer { pending.removeAll() }
            return pending.values.flatMap(\.waiters)
        }
        for waiter in unanswered { waiter.resume(throwing: unavailable("shutting down")) }
        await pump.stop()
        // The socket's thread ended under us: stop the service with the reason, not as a mystery.
        if let failure = pump.failure {
            logger.error("service link failed", metadata: ["peer": "\(endpoint)", "error": "\(failure)"])
            throw failure
        }
    }

    private func receiveReplies() async {
        for await frames in pump.incoming.cancelOnGracefulShutdown() {
            let body = frames.first?.isEmpty == true ? frames.dropFirst() : frames[...]
            guard let reply = Reply.parse(body) else { continue }
            let waiters = pending.withLock { $0.removeValue(forKey: reply.requestID)?.waiters ?? [] }
            for waiter in waiters { waiter.resume(returning: reply) }
        }
    }

    private func resendOverdue() async {
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: .milliseconds(50))
                self.checkDeadlines()
            }
        }
    }

    private func checkDeadlines() {
        let now = ContinuousClock.now
        var resend: [Multipart] = []
        var failed: [(String, [CheckedContinuation<Reply, any Error>])] = []
        pending.withLock { pending in
            for (id, entry) in pending where entry.deadline <= now {
                if entry.attemptsLeft > 0 {
                    pending[id]!.attemptsLeft -= 1
                    pending[id]!.deadline = now + attemptTimeout
                    resend.append(entry.frames)
                } else {
                    failed.append((id, entry.waiters))
                    pending[id] = nil
                }
            }
        }
        for frames in resend { pump.send(frames) }
        for (id, waiters) in failed {
            warnUnreachable(requestID: id)
            for waiter in waiters { waiter.resume(throwing: unavailable("no answer")) }
        }
    }

    private func unavailable(_ why: String) -> ErrorBody {
        ErrorBody(code: .unavailable,
                  message: "\(why) from \(endpoint) after \(attempts) attempts of \(attemptTimeout); retry with the same request id",
                  retryAfterMs: 1000)
    }

    /// At most one warning per five seconds: a dead store under load must not flood the log.
    private func warnUnreachable(requestID: String) {
        let shouldLog = lastWarning.withLock { last -> Bool in
            guard last.map({ ContinuousClock.now - $0 > .seconds(5) }) ?? true else { return false }
            last = .now
            return true
        }
        if shouldLog {
            logger.warning("no answer", metadata: ["peer": "\(endpoint)", "request.id": "\(requestID)",
                                                   "attempts": "\(attempts)"])
        }
    }
}
