import Foundation
import WireProtocol
import ZMQ

/// Waits until a follower (query replica) has applied everything the store has committed.
/// `security`: the CURVE client options for each, when the services run with keys.
public func waitUntilCaughtUp(_ follower: String, store: String, timeout: Duration = .seconds(60),
                              security: (follower: [SocketOption], store: [SocketOption]) = ([], [])) async throws -> StatusReply {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        let head = try await status(store, security: security.store).sequence?.head ?? 0
        if let replica = try? await status(follower, security: security.follower), let applied = replica.sequence?.applied,
           applied >= head, head > 0 {
            return replica
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TestFailure("\(follower) did not catch up with \(store) within \(timeout)")
}

/// Every record's (id → seq) as the store holds it, from its snapshot.
public func storeContents(_ store: String) async throws -> [Int64: Int64] {
    var contents: [Int64: Int64] = [:]
    var after: Int64? = 0
    while let next = after {
        let page = try await request(store, Request(type: MessageType.snapshot, id: UUID().uuidString,
                                                    body: SnapshotRequest(afterID: next, limit: 5000)))
            .decode(SnapshotReply.self)
        for header in page.records { contents[header.recordID] = header.seq }
        after = page.nextAfterID
    }
    return contents
}

/// Every record's (id → seq) as a query replica holds it, retracted ones included.
public func replicaContents(_ query: String) async throws -> [Int64: Int64] {
    var contents: [Int64: Int64] = [:]
    var offset = 0
    while true {
        let page = try await request(query, Request(type: MessageType.query, id: UUID().uuidString,
                                                    body: QueryRequest(filter: EvidenceFilter(includeRetracted: true),
                                                                       limit: 500, offset: offset)))
            .decode(QueryReply.self)
        for hit in page.hits { contents[hit.id] = hit.seq }
        offset += page.hits.count
        if page.hits.isEmpty || offset >= page.total { return contents }
    }
}
