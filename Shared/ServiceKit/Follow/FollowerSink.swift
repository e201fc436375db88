import Foundation
import WireProtocol

/// A change as a follower receives it: the header and the record's JSON as of the change.
public struct FeedChange: Sendable {
    public let header: ChangeHeader
    public let body: Data

    public init(header: ChangeHeader, body: Data) {
        self.header = header
        self.body = body
    }

    /// Reads a feed message: topic, `LDN/1`, `change`, header JSON, record JSON.
    public init?(feedMessage frames: [Data]) {
        guard frames.count == 5, frames[1] == Wire.versionFrame, frames[2] == Data(MessageType.change.utf8),
              let header = try? WireJSON.decode(ChangeHeader.self, from: frames[3]) else { return nil }
        self.init(header: header, body: frames[4])
    }
}

/// What a follower of the store's change log keeps: a copy of the records (a query
/// replica) or deliveries (the notifier), and how far in the log it has got.
public protocol FollowerSink: Sendable {
    /// The last sequence number applied; 0 when nothing has been.
    func position() async throws -> Int64
    /// Applies consecutive changes, oldest first, and records the last one's `seq` as the
    /// position — atomically, so that after a crash the position matches what was applied.
    func apply(_ changes: [FeedChange]) async throws
    /// Stores one page of a snapshot (each record's latest change). `first` is true for the
    /// first page: the sink drops what it had. The position is set once all pages are in.
    func applySnapshot(_ records: [FeedChange], first: Bool) async throws
    /// Records a position without applying anything (after a snapshot, or when starting at the head).
    func setPosition(_ seq: Int64) async throws
}

/// Where a follower with no position starts.
public enum FollowStart: Sendable {
    /// From a snapshot of every record (a query replica).
    case snapshot
    /// From the store's current head: only what happens from now on (the notifier).
    case head
}
