import ServiceLifecycle

/// Waits for a background loop that retries: doubling after each failure up to `maximum`,
/// back to `initial` after a success. A loop that fails keeps running, slowly, instead of
/// ending its service or spinning.
public struct Backoff: Sendable {
    public let initial: Duration
    public let maximum: Duration
    private var upcoming: Duration

    public init(initial: Duration = .milliseconds(200), maximum: Duration = .seconds(8)) {
        self.initial = initial
        self.maximum = maximum
        upcoming = initial
    }

    /// The wait the next failure brings.
    public var next: Duration { upcoming }

    public mutating func succeeded() { upcoming = initial }

    /// Sleeps for the next wait and doubles it. Returns early, without throwing, when the
    /// task is cancelled or the service is shutting down: the loop then sees that and ends.
    public mutating func wait() async {
        let wait = upcoming
        upcoming = min(upcoming * 2, maximum)
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
    }
}
