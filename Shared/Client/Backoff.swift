import ServiceLifecycle

/// How long to wait before trying again: `initial` after the first failure, doubling with
/// each failure in a row up to `maximum`, times a random factor drawn from `jitter`, so
/// that parties turned away together (replicas after a store restart, clients told
/// `unavailable`) do not all come back at the same instant.
///
/// The one retry policy of every loop that tries again: the client's resends after
/// `unavailable`, the service links' reconnects (`reconnectOptions`), the followers and the
/// notifier's loops, and webhook deliveries.
public struct Backoff: Sendable {
    public var initial: Duration
    public var maximum: Duration
    /// Each wait is multiplied by a factor drawn from this range. A lower bound of 1 keeps
    /// `initial` a floor (a server's retry hint is a minimum, not a suggestion).
    public var jitter: ClosedRange<Double>
    /// Failures in a row so far, for loops that keep the count here.
    public private(set) var failures = 0
    /// The wait `wait()` sleeps next, drawn in advance so that it can be logged first.
    public private(set) var next: Duration

    public init(initial: Duration = .milliseconds(200), maximum: Duration = .seconds(8), jitter: ClosedRange<Double> = 0.8...1.2) {
        precondition(jitter.lowerBound >= 0, "a wait is never negative")
        self.initial = initial
        self.maximum = maximum
        self.jitter = jitter
        next = .zero
        next = delay(afterFailures: 1)
    }

    /// The wait after `failures` failures in a row (1: the first), before jitter.
    public func base(afterFailures failures: Int) -> Duration {
        guard failures > 1 else { return min(initial, maximum) }
        // Doubling 62 times overflows long before: stop doubling once past the maximum.
        var wait = initial
        for _ in 1..<failures where wait < maximum { wait *= 2 }
        return min(wait, maximum)
    }

    /// The wait after `failures` failures in a row, jittered.
    public func delay<Random: RandomNumberGenerator>(afterFailures failures: Int, using random: inout Random) -> Duration {
        let factor = jitter.lowerBound == jitter.upperBound ? jitter.lowerBound : Double.random(in: jitter, using: &random)
        return base(afterFailures: failures) * factor
    }

    public func delay(afterFailures failures: Int) -> Duration {
        var random = SystemRandomNumberGenerator()
        return delay(afterFailures: failures, using: &random)
    }

    // MARK: For loops that count their failures here

    /// Counts a failure and returns the wait it brings (the `next` shown before).
    public mutating func failed() -> Duration {
        let wait = next
        failures += 1
        next = delay(afterFailures: failures + 1)
        return wait
    }

    /// Back to `initial` after a success.
    public mutating func succeeded() {
        failures = 0
        next = delay(afterFailures: 1)
    }

    /// Counts a failure and sleeps its wait. Returns early, without throwing, when the task
    /// is cancelled or the service is shutting down: the loop then sees that and ends.
    public mutating func wait() async {
        let wait = failed()
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
    }
}
