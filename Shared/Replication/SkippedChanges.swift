import Foundation
import Logging
import ServiceKit
import Synchronization
import WireProtocol

/// Changes a follower passed over because it could not apply them. Never silent: each is
/// logged at error level (seq, record id, key, reason), counted, and the latest is kept for
/// `status` (`last_skipped`), so an operator sees it and can look at the store's copy.
public final class SkippedChanges: Sendable {
    private let logger: Logger
    private let stats: ServiceStats
    private let latest: Mutex<SkippedChange?>

    /// `last`: a skip remembered from before a restart (a replica's quarantine).
    public init(logger: Logger, stats: ServiceStats, last: SkippedChange? = nil) {
        self.logger = logger
        self.stats = stats
        self.latest = Mutex(last)
    }

    /// The most recent skip.
    public var last: SkippedChange? { latest.withLock { $0 } }

    /// Logs, counts under `counter` and remembers a change that carries a `problem`;
    /// ignores one that does not.
    public func record(_ change: ReadChange, counter: String = "changes.skipped", metadata: Logger.Metadata = [:]) {
        guard let reason = change.problem else { return }
        let skipped = SkippedChange(seq: change.header.seq, recordID: change.headerRead ? change.header.recordID : nil,
                                    key: change.headerRead ? change.header.key : nil, reason: reason, at: Date())
        stats.add(counter)
        latest.withLock { $0 = skipped }
        var details: Logger.Metadata = [
            "seq": "\(skipped.seq)", "record.id": "\(skipped.recordID.map(String.init) ?? "-")",
            "record.key": "\(skipped.key ?? "-")", "reason": "\(reason)",
        ]
        details.merge(metadata) { _, new in new }
        logger.error("skipped a change that cannot be applied", metadata: details)
    }
}
