/// Spaces the requests to one source so that at most `limit` start in any `window`, however
/// many tasks call it at once: each caller reserves the next free slot, then sleeps until it.
actor RateLimiter {
    let limit: Int
    let window: Duration
    /// The slots reserved last (at most `limit`), in order.
    private var slots: [ContinuousClock.Instant] = []

    /// `perSecond` may be fractional: 0.5 allows one request every 2 s. The server counts
    /// arrivals, not starts: a start that waits for a new connection arrives later than one on
    /// a kept-alive connection, and a loaded machine delays some more than others, so the
    /// window has `slack` added (50 ms let the fixture see 4 in a second at 3/s, and 150 ms
    /// 11 at 10/s while the whole suite ran; 300 ms costs a quarter of the rate at 10/s).
    init(perSecond: Double, slack: Duration = .milliseconds(300)) {
        // The options refuse a rate of 0 or less; should one come another way, one a minute (and at most 1000/s).
        let perSecond = perSecond > 0 ? min(perSecond, 1000) : 1.0 / 60
        limit = max(1, Int(perSecond.rounded(.down)))
        window = .seconds(Double(limit) / perSecond) + slack
    }

    /// Returns when a request may start. Throws when the task is cancelled while waiting.
    func admit() async throws {
        let now = ContinuousClock.now
        var slot = now
        if slots.count >= limit { slot = max(now, slots[slots.count - limit] + window) }
        slots.append(slot)
        if slots.count > limit { slots.removeFirst(slots.count - limit) }
        if slot > now { try await Task.sleep(until: slot, clock: .continuous) }
    }
}
