import ServiceKit
import WireProtocol

/// What a follower knows of its place in the store's log, and the `replica` block every
/// answer carries, made from it. The head is the highest the follower has heard of from any
/// source — `changes` and snapshot pages, the head probe (about once a second), feed
/// messages taken or still waiting — so an answer never claims to be more current than it is.
struct FollowerProgress: Sendable {
    /// The last change applied (or skipped as unappliable).
    var applied: Int64 = 0
    /// The highest head heard from the store.
    var storeHead: Int64 = 0
    /// The follower reached the head since it started, or since following last failed.
    var inSync = false
    /// The last head probe failed: the store cannot be reached (or answers nonsense).
    var storeUnreachable = false
    /// When the head probe now waiting for its answer was sent: one unanswered for
    /// `unansweredProbe` counts as an unreachable store before the client gives up on it.
    var probeSentAt: ContinuousClock.Instant?
    static let unansweredProbe = Duration.seconds(3)
    /// The id of the store history followed (nil: unknown, a store older than store ids).
    var storeID: String?
    /// The head probe heard another store id: following starts again, and resynchronises.
    var historyChanged = false
    /// Times the follower resynchronised with a restored store (it starts a new history).
    var resynchronisations = 0

    mutating func heard(head: Int64) { storeHead = max(storeHead, head) }

    /// `catching_up` is true until the follower has caught up after a start, while following
    /// fails (the store cannot be reached, say), and while it is more than `pageSize` behind.
    func replicaState(pageSize: Int, newestWaiting: Int64? = nil, now: ContinuousClock.Instant = .now) -> ReplicaState {
        let head = max(storeHead, applied, newestWaiting ?? 0)
        let farBehind = head - applied > Int64(pageSize)
        let probeOverdue = probeSentAt.map { now - $0 > Self.unansweredProbe } ?? false
        return ReplicaState(applied: applied, storeHead: head, catchingUp: !inSync || storeUnreachable || probeOverdue || farBehind)
    }
}
