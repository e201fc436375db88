import Foundation
import Client
import ServiceKit
import WireProtocol

/// A follower's reads of the store's change log and snapshot, trusting nothing they return.
///
/// A `changes` page is one JSON document: a single header in it that does not read (or a
/// page whose shape is wrong) would make the whole page unreadable, and a follower asking
/// for it again and again would stall for ever. So an unreadable page is asked for again one
/// change at a time: the changes that read are returned, and the one that does not stands
/// as an unreadable placeholder (`ReadChange.unreadable`) for the follower to skip.
public struct ChangeLog: Sendable {
    let store: ServiceClient
    /// Prefixes request ids, so the store's log names who asked (`query-changes-…`).
    let requester: String

    public init(store: ServiceClient, requester: String) {
        self.store = store
        self.requester = requester
    }

    /// Changes after `seq`, oldest first, read; and the store's head and history id.
    public struct Page: Sendable {
        public var changes: [ReadChange]
        public var head: Int64
        /// The id of the store's history; nil from a store older than store ids (unknown).
        public var storeID: String?
    }

    /// The store's head and the id of its history.
    public struct StoreHead: Sendable, Equatable {
        public var seq: Int64
        public var storeID: String?
    }

    /// Up to `limit` changes after `seq`. Throws for the store's error replies and when it
    /// cannot be reached (worth retrying), never for what it served.
    public func changes(after seq: Int64, limit: Int) async throws -> Page {
        switch try await fetch(after: seq, limit: limit) {
        case .read(let changes, let head, let storeID):
            return Page(changes: await ReadChange.readAll(changes), head: head, storeID: storeID)
        case .unreadable:
            return try await isolate(after: seq, limit: limit)
        }
    }

    /// The store's head: an empty page after the end of the log, which reads even when a
    /// stored change does not.
    public func head() async throws -> StoreHead {
        switch try await fetch(after: Int64.max - 1, limit: 1) {
        case .read(_, let head, let storeID): return StoreHead(seq: head, storeID: storeID)
        case .unreadable(let reason): throw UnreadableChange("the store's head does not read: \(reason)")
        }
    }

    /// One snapshot page, read. Throws `UnreadableChange` when the page does not read:
    /// snapshot pages cannot be split by change, so the follower builds from the log instead.
    public func snapshot(afterID: Int64, limit: Int) async throws -> (records: [ReadChange], seq: Int64, nextAfterID: Int64?, storeID: String?) {
        let (page, records) = try await ask(MessageType.snapshot, SnapshotRequest(afterID: afterID, limit: limit),
                                            as: SnapshotReply.self, headers: \.records).get()
        guard page.seq >= 0, page.seq <= FeedChange.sequenceRange.upperBound else {
            throw UnreadableChange("a snapshot page at seq \(page.seq)")
        }
        if let id = page.storeID, !Self.isStoreID(id) { throw UnreadableChange("a snapshot page with store id \"\(id.prefix(80))\"") }
        // Ascending record ids, each once: a copy inserts them without looking for an older one.
        var previous = afterID
        for header in page.records {
            guard header.recordID > previous else {
                throw UnreadableChange("a snapshot page after record id \(afterID) lists record \(header.recordID) after \(previous)")
            }
            previous = header.recordID
        }
        if let next = page.nextAfterID, next < previous || next <= afterID {
            throw UnreadableChange("a snapshot page after record id \(afterID), ending at \(previous), points back to \(next)")
        }
        return (await ReadChange.readAll(records), page.seq, page.nextAfterID, page.storeID)
    }

    /// A store id a follower keeps and logs: 1 to 64 letters, digits and dashes (the store
    /// makes 32 hex digits).
    static func isStoreID(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count) && id.utf8.allSatisfy { $0 == UInt8(ascii: "-") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
    }

    // MARK: -

    private enum Fetched {
        case read([FeedChange], head: Int64, storeID: String?)
        case unreadable(String)
    }

    private func fetch(after seq: Int64, limit: Int) async throws -> Fetched {
        let page: ChangesReply, changes: [FeedChange]
        switch try await ask(MessageType.changes, ChangesRequest(after: seq, limit: limit), as: ChangesReply.self, headers: \.changes) {
        case .success(let read): (page, changes) = read
        case .failure(let unreadable): return .unreadable(unreadable.description)
        }
        guard page.head >= 0, page.head <= FeedChange.sequenceRange.upperBound else {
            return .unreadable("a page with head \(page.head)")
        }
        if let id = page.storeID, !Self.isStoreID(id) { return .unreadable("a page with store id \"\(id.prefix(80))\"") }
        var previous = seq
        for change in changes {
            guard change.header.seq > previous, change.header.seq <= page.head else {
                return .unreadable("seq \(change.header.seq) out of order after \(previous) (head \(page.head))")
            }
            previous = change.header.seq
        }
        return .read(changes, head: page.head, storeID: page.storeID)
    }

    /// Sends a request to the store and reads the reply: throws what is worth asking again
    /// for (an error reply, no answer); a reply that does not read — its body, the count of
    /// its record frames, a header's numbers — is a failure carrying what is wrong.
    private func ask<Page: Decodable>(_ type: String, _ body: some Encodable & Sendable, as _: Page.Type,
                                            headers: (Page) -> [ChangeHeader]) async throws -> Result<(Page, [FeedChange]), UnreadableChange> {
        let reply = try await store.send(Request(type: type, id: "\(requester)-\(type)-\(UUID().uuidString)", body: body))
        guard reply.isOK else { throw try WireJSON.decode(ErrorBody.self, from: reply.body) }
        let page: Page
        do {
            page = try WireJSON.decode(Page.self, from: reply.body)
        } catch {
            return .failure(UnreadableChange("\(error)"))
        }
        let listed = headers(page)
        guard listed.count == reply.attachments.count else {
            return .failure(UnreadableChange("a \(type) page with \(listed.count) headers and \(reply.attachments.count) records"))
        }
        if let problem = listed.lazy.compactMap(FeedChange.problem(in:)).first { return .failure(UnreadableChange(problem)) }
        return .success((page, zip(listed, reply.attachments).map { FeedChange(header: $0, body: $1) }))
    }

    /// Reads the changes after `seq` one at a time, up to the first that does not read,
    /// which is returned as a placeholder: sequence numbers have no gaps, so it is `seq + 1`
    /// past the last that read — provided the store's head says a change is there at all.
    private func isolate(after seq: Int64, limit: Int) async throws -> Page {
        var read: [FeedChange] = []
        var position = seq
        while read.count < limit {
            switch try await fetch(after: position, limit: 1) {
            case .read(let changes, let head, let storeID):
                guard let change = changes.first else {
                    return Page(changes: await ReadChange.readAll(read), head: head, storeID: storeID)
                }
                read.append(change)
                position = change.header.seq
            case .unreadable(let reason):
                let head = try await self.head()
                guard head.seq > position else {
                    throw UnreadableChange("the store served an unreadable page after seq \(position), its head is \(head.seq): \(reason)")
                }
                let skipped = ReadChange.unreadable(seq: position + 1, problem: "its header does not read: \(reason)")
                return Page(changes: await ReadChange.readAll(read) + [skipped], head: head.seq, storeID: head.storeID)
            }
        }
        // The page failed, yet each of its changes read alone: carry on from there.
        let head = try await head()
        return Page(changes: await ReadChange.readAll(read), head: head.seq, storeID: head.storeID)
    }
}
