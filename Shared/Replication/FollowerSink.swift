import Foundation
import ServiceKit
import WireProtocol

/// A change as a follower receives it: the header and the record's JSON as of the change.
public struct FeedChange: Sendable {
    public let header: ChangeHeader
    public let body: Data

    public init(header: ChangeHeader, body: Data) {
        self.header = header
        self.body = body
    }

    /// Reads a feed message: topic, `LDN/1`, `change`, header JSON, record JSON. Throws what
    /// does not read, for the follower to log and count (the change itself is then fetched
    /// from the store's log, as for any message the feed lost).
    public init(feedMessage frames: [Data]) throws(UnreadableChange) {
        guard frames.count == 5 else { throw UnreadableChange("a feed message has 5 frames, this one \(frames.count)") }
        guard frames[1] == Wire.versionFrame, frames[2] == Data(MessageType.change.utf8) else {
            throw UnreadableChange("a feed message starts \"LDN/1\", \"change\"; this one \"\(Self.excerpt(frames[1]))\", \"\(Self.excerpt(frames[2]))\"")
        }
        let header: ChangeHeader
        do {
            header = try WireJSON.decode(ChangeHeader.self, from: frames[3])
        } catch {
            throw UnreadableChange("its header does not read: \(error)")
        }
        if let problem = Self.problem(in: header) { throw UnreadableChange(problem) }
        self.init(header: header, body: frames[4])
    }

    /// Sequence numbers a follower accepts: positive, and far from Int64's end, so that no
    /// arithmetic on positions can overflow.
    public static let sequenceRange: ClosedRange<Int64> = 1...(Int64.max / 2)

    /// What makes a header unusable to a follower (numbers it cannot work with); nil when usable.
    public static func problem(in header: ChangeHeader) -> String? {
        sequenceRange.contains(header.seq) ? nil : "its seq \(header.seq) is out of range"
    }

    private static func excerpt(_ frame: Data) -> String { String(decoding: frame.prefix(40), as: UTF8.self) }
}

/// What does not read in a message from the store, in words.
public struct UnreadableChange: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What a follower of the store's change log keeps: a copy of the records (a query
/// replica) or deliveries (the notifier), and how far in the log it has got.
///
/// Changes arrive read (`ReadChange`). One carrying a `problem` cannot be applied: the sink
/// leaves its copy of that record as it was (a replica quarantines the change) and moves
/// its position past it, so a change no follower can apply never stops one.
public protocol FollowerSink: Sendable {
    /// The last sequence number applied; 0 when nothing has been.
    func position() async throws -> Int64
    /// Applies consecutive changes, oldest first, and records the last one's `seq` as the
    /// position — atomically, so that after a crash the position matches what was applied.
    func apply(_ changes: [ReadChange]) async throws
    /// Stores one page of a snapshot (each record's latest change). `first` is true for the
    /// first page: the sink drops what it had. The position is set once all pages are in.
    func applySnapshot(_ records: [ReadChange], first: Bool) async throws
    /// Records a position without applying anything (after a snapshot, or when starting at the head).
    func setPosition(_ seq: Int64) async throws
    /// The id of the store history the position belongs to, as remembered; nil while none is
    /// known (a new sink, or a store older than store ids).
    func storeID() async throws -> String?
    /// Remembers the store's id, first heard while the history is the same one.
    func setStoreID(_ id: String) async throws
    /// The store's history is not the one followed (a restore: another id, or a head below the
    /// position). Drops, atomically, what was taken from the old one that the store may no
    /// longer have, remembers `storeID`, and sets the position to go on from: 0 to start
    /// afresh (a replica reloads a snapshot), or the store's `head` (the notifier).
    func resynchronise(storeID: String?, head: Int64) async throws
}

/// Where a follower with no position starts.
public enum FollowStart: Sendable {
    /// From a snapshot of every record (a query replica).
    case snapshot
    /// From the store's current head: only what happens from now on (the notifier).
    case head
}
