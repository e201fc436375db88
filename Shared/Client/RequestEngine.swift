import Foundation
import WireProtocol
import ZMQ

/// The one request/retry engine (zguide's Lazy Pirate) behind both clients: what is in
/// flight, when to resend it (with the same request id, so the service recognises the
/// retry), when to give up, and what the socket monitor's news means for the requests.
///
/// It owns no socket and never waits: each face (the blocking `Connection`, the async
/// `ServiceClient`) tells it what it sent, what arrived and what the monitor said, asks it
/// what is due and when to look again, and does the sending on its socket's own thread.
///
/// - A request unanswered within `policy.timeout` is resent, up to `policy.attempts` sends;
///   then it fails `.unreachable`.
/// - An `unavailable` answer is resent after the service's hint when the policy says so.
/// - When every endpoint refuses connections, what was in flight when an attempt was refused
///   fails `.refused` at once (after `policy.refusalGrace` if the service was up: it may be
///   restarting); a request sent after that attempt waits for the next one.
/// - When the last connection up is lost, what was in flight on it cannot be answered: it
///   counts as timed out now instead of after the timeout.
public struct RequestEngine: Sendable {
    public let policy: RetryPolicy
    /// The endpoint list as given (for messages) and its endpoints.
    public let endpoint: String
    public let endpoints: [String]
    public private(set) var health: LinkHealth
    /// How many endpoints the face's socket connects to: `endpoints`, or what their names
    /// stand for now (`ReplicaDiscovery`).
    private var linkEndpointCount: Int
    /// Whether the service was up on any link so far (links are replaced on reopening).
    private var serviceWasUp = false
    private var inFlight: [String: InFlight] = [:]

    private struct InFlight {
        var sends = 1
        var sentAt: ContinuousClock.Instant
        let firstSent: ContinuousClock.Instant
        /// Set while waiting to resend after an `unavailable` answer.
        var resendAt: ContinuousClock.Instant?
        var unavailableAnswers = 0

        init(at now: ContinuousClock.Instant) {
            sentAt = now
            firstSent = now
        }

        var awaitingReply: Bool { resendAt == nil }
    }

    public init(endpoint: String, policy: RetryPolicy) {
        self.endpoint = endpoint
        self.endpoints = Self.endpoints(in: endpoint)
        self.policy = policy
        linkEndpointCount = endpoints.count
        health = LinkHealth(endpoints: endpoints.count)
    }

    /// The face's socket connected `change.added` and disconnected `change.removed`, and
    /// now connects to `count` endpoints. A request in flight to an instance removed is
    /// resent when its time is up, as for any silence.
    public mutating func endpointsChanged(_ change: ReplicaDiscovery.Change, count: Int) {
        linkEndpointCount = count
        health.endpointsChanged(added: change.added, removed: change.removed, count: count)
    }

    /// The endpoints of a comma-separated list ("tcp://a:5550, tcp://b:5550").
    public static func endpoints(in list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    public var inFlightCount: Int { inFlight.count }
    public func isInFlight(_ id: String) -> Bool { inFlight[id] != nil }

    // MARK: What the face tells the engine

    /// `id` was sent for the first time.
    public mutating func sent(_ id: String, at now: ContinuousClock.Instant = .now) {
        inFlight[id] = InFlight(at: now)
    }

    /// What a reply means.
    public enum Answer: Sendable, Equatable {
        /// The answer to a request in flight: hand it over. `elapsed` counts from its first send.
        case answered(elapsed: Duration)
        /// `unavailable`: it will be resent, the engine says when (`due`).
        case resendLater
        /// A late reply to a request already answered, given up on, or waiting to be resent.
        case stale
    }

    /// A reply arrived. `resending: false` takes an `unavailable` answer as final even where
    /// the policy would resend it (a caller that is stopping).
    public mutating func received(_ reply: Reply, at now: ContinuousClock.Instant = .now, resending: Bool = true) -> Answer {
        guard var request = inFlight[reply.requestID], request.awaitingReply else { return .stale }
        if resending, policy.resendUnavailable, request.sends < policy.attempts, !reply.isOK,
           case let error = reply.errorBody, error.code == .unavailable {
            request.unavailableAnswers += 1
            var backoff = policy.unavailableBackoff
            if let hint = error.retryAfterMs, hint >= 0 { backoff.initial = .milliseconds(hint) }
            request.resendAt = now + backoff.delay(afterFailures: request.unavailableAnswers)
            inFlight[reply.requestID] = request
            return .resendLater
        }
        inFlight[reply.requestID] = nil
        return .answered(elapsed: now - request.firstSent)
    }

    /// The monitor reported `event`. Returns how the link changed, for the face to log.
    @discardableResult
    public mutating func heard(_ event: SocketEvent, at now: ContinuousClock.Instant = .now) -> LinkHealth.Change? {
        let change = health.heard(event, at: now)
        if health.wasUp { serviceWasUp = true }
        if change == .lost {
            // Lost with the connection: due now, as if their time were up.
            for (id, request) in inFlight where request.awaitingReply { inFlight[id]!.sentAt = now - policy.timeout }
        }
        return change
    }

    /// Stop tracking `id` (its caller went away).
    public mutating func forget(_ id: String) {
        inFlight[id] = nil
    }

    /// Stop tracking every request (the caller gave up on them all).
    public mutating func forgetAll() {
        inFlight.removeAll()
    }

    // MARK: What the engine tells the face

    /// The error to give up with now, for a request waiting since `since`, because every
    /// endpoint refused a connection attempt made since then; nil while one is up or trying,
    /// before such an attempt, or while a service that was up may still be restarting.
    public func refusal(forWaitingSince since: ContinuousClock.Instant, at now: ContinuousClock.Instant = .now) -> ClientError? {
        guard let final = refusalFinal, final <= now, let last = health.lastRefusal, since <= last else { return nil }
        return refusalError
    }

    /// When the refusals seen so far become final, if they last: at once for a service
    /// never seen up, after the grace for one that was.
    public var refusalFinal: ContinuousClock.Instant? {
        // A refused handshake is final at once: a restart does not change the keys.
        health.refusedSince.map { serviceWasUp && health.handshakeFailure == nil ? $0 + policy.refusalGrace : $0 }
    }

    private var refusalError: ClientError {
        health.handshakeFailure.map(ClientError.handshakeRefused) ?? .refused(endpoints: endpoints)
    }

    /// What to do now.
    public struct Due: Sendable {
        /// Send these again (same ids), in this order.
        public var resend: [String] = []
        /// Open a fresh socket before resending: `resend` then holds every request in flight
        /// that awaits a reply, and the engine reads the new socket's monitor from scratch.
        public var reopen = false
        /// Give these up, with why. Each is no longer in flight.
        public var failed: [(id: String, error: ClientError)] = []
    }

    /// What is due at `now`: resends and failures. Resends are counted as sent now.
    public mutating func due(at now: ContinuousClock.Instant = .now) -> Due {
        var due = Due()
        due.failed = takeRefused(at: now)
        let late = inFlight.filter { $0.value.awaitingReply && $0.value.sentAt + policy.timeout <= now }
        for (id, request) in late.sorted(by: { $0.value.firstSent < $1.value.firstSent }) where request.sends >= policy.attempts {
            due.failed.append((id, .unreachable(endpoint: endpoint, attempts: policy.attempts, timeout: policy.timeout)))
            inFlight[id] = nil
        }
        due.reopen = policy.reopenOnTimeout && !late.isEmpty && due.failed.isEmpty
        if due.reopen { health = LinkHealth(endpoints: linkEndpointCount) }
        for (id, request) in inFlight.sorted(by: { $0.value.firstSent < $1.value.firstSent }) {
            let resend = request.awaitingReply ? late[id] != nil || due.reopen : request.resendAt! <= now
            guard resend else { continue }
            inFlight[id]!.sends += 1
            inFlight[id]!.sentAt = now
            inFlight[id]!.resendAt = nil
            due.resend.append(id)
        }
        return due
    }

    /// Gives up the requests a refused connection attempt concerns (see `refusal`): each is no
    /// longer in flight. Only these: nothing is resent.
    public mutating func takeRefused(at now: ContinuousClock.Instant = .now) -> [(id: String, error: ClientError)] {
        let refused = inFlight.filter { refusal(forWaitingSince: $0.value.sentAt, at: now) != nil }.keys.sorted()
        for id in refused { inFlight[id] = nil }
        return refused.map { ($0, refusalError) }
    }

    /// When `due` has something next, or a refusal becomes final for a request it concerns;
    /// nil when neither can happen.
    public var nextDeadline: ContinuousClock.Instant? {
        var deadlines = inFlight.values.map { $0.resendAt ?? $0.sentAt + policy.timeout }
        if let final = refusalFinal, let last = health.lastRefusal, inFlight.values.contains(where: { $0.sentAt <= last }) {
            deadlines.append(final)
        }
        return deadlines.min()
    }
}
