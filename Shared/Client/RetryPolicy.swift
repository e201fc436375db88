/// The numbers of a client's Lazy Pirate: how long to wait, how often to send, what to do
/// with `unavailable` and with refused connections.
public struct RetryPolicy: Sendable {
    /// How long a sent request waits for its reply before it is resent.
    public var timeout: Duration
    /// How many times a request is sent at most: the first time and the resends.
    public var attempts: Int
    /// Whether an `unavailable` answer is resent (after the service's `retry_after_ms`,
    /// growing per `unavailableBackoff`) while attempts remain; if not, it is the answer.
    public var resendUnavailable: Bool
    /// The waits before resending after `unavailable`: the service's hint first (`initial`
    /// without one), doubling with each further `unavailable` to the same request.
    public var unavailableBackoff: Backoff
    /// How long every endpoint may refuse connections, once the service was up, before
    /// the client gives up: a service restarting gets this long to come back. A service
    /// that was never up is given up on at once.
    public var refusalGrace: Duration
    /// Whether a timeout resends every request in flight on a fresh socket (zguide's Lazy
    /// Pirate over REQ; late replies to the old socket are dropped with it) rather than
    /// resending only the late requests on the same socket.
    public var reopenOnTimeout: Bool

    public init(timeout: Duration, attempts: Int, resendUnavailable: Bool,
                unavailableBackoff: Backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(8), jitter: 1...1.5),
                refusalGrace: Duration, reopenOnTimeout: Bool) {
        precondition(attempts >= 1, "a request is sent at least once")
        self.timeout = timeout
        self.attempts = attempts
        self.resendUnavailable = resendUnavailable
        self.unavailableBackoff = unavailableBackoff
        self.refusalGrace = refusalGrace
        self.reopenOnTimeout = reopenOnTimeout
    }

    /// A person's command (`ldn`, tests, benchmarks): `retries` resends, `unavailable`
    /// retried here (the command is where a retry belongs), 2 s for a service restarting.
    public static func commandLine(timeout: Duration, retries: Int) -> RetryPolicy {
        RetryPolicy(timeout: timeout, attempts: retries + 1, resendUnavailable: true, refusalGrace: .seconds(2),
                    reopenOnTimeout: true)
    }

    /// One service asking another (ingest → store, followers → store). A refused connection
    /// and an `unavailable` answer go back to the caller at once: the caller (in the end a
    /// person's command) is the one to retry, and retrying at every layer multiplies the waits.
    public static func serviceLink(timeout: Duration, attempts: Int) -> RetryPolicy {
        RetryPolicy(timeout: timeout, attempts: attempts, resendUnavailable: false, refusalGrace: .zero,
                    reopenOnTimeout: false)
    }
}
