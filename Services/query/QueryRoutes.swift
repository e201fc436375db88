import EvidenceModel
import Foundation
import Client
import Logging
import Replication
import ServiceKit
import Synchronization
import WireProtocol

/// The query service's message types, answered from the replica. Every answer says how
/// current the replica is.
struct QueryRoutes {
    let replica: ReplicaDatabase
    let follower: FeedFollower
    /// The store, for `get`: a record's history, other reports and imported original are the store's.
    let store: ServiceClient
    /// Summaries are the costliest answer; one is reused until the replica applies a change.
    let summaries = SummaryCache()
    /// Syntheses likewise, for any question a client asks, within bounds.
    let syntheses = SynthesisCache()
    /// The service's counters: `synthesize.cached` and `synthesize.computed` show in `status`.
    let stats: ServiceStats

    func add(to routes: inout Routes) {
        routes.on(MessageType.query, requires: .reader, query)
        routes.on(MessageType.search, requires: .reader, search)
        routes.on(MessageType.summary, requires: .reader, summary)
        routes.on(MessageType.synthesize, requires: .reader, synthesize)
        routes.on(MessageType.get, requires: .reader, get)
    }

    /// One record, as the store answers it: the store is internal, so readers ask here.
    @Sendable func get(_ request: Request, logger: Logger) async throws -> Reply {
        _ = try request.decodeBody(GetRequest.self)
        // A fresh id: the store link shares one request among callers that use the same id.
        var forwarded = try await store.send(Request(type: MessageType.get, id: "query-get-\(UUID().uuidString)", body: request.body))
        forwarded.requestID = request.id
        return forwarded
    }

    @Sendable func query(_ request: Request, logger: Logger) async throws -> Reply {
        let body = try request.decodeBody(QueryRequest.self)
        let limit = try Self.check(body.limit ?? 20, in: 1...500, "limit")
        let offset = try Self.check(body.offset ?? 0, in: 0...Int.max, "offset")
        let state = follower.state
        let page = try await replica.query(try body.filter.resolved(), sort: body.sort ?? .year, limit: limit, offset: offset)
        return .ok(request, QueryReply(total: page.total, hits: page.hits, replica: state))
    }

    @Sendable func search(_ request: Request, logger: Logger) async throws -> Reply {
        let body = try request.decodeBody(SearchRequest.self)
        guard !EvidenceFilter(text: body.text).terms.isEmpty else {
            throw ErrorBody(code: .invalidRequest, message: "search needs at least one word to look for",
                            details: [ErrorDetail(field: "text", message: "has no word")])
        }
        _ = try EvidenceFilter(text: body.text).resolved()  // the same bounds as a filter's text
        let limit = try Self.check(body.limit ?? 10, in: 1...100, "limit")
        let state = follower.state
        let page = try await replica.search(body.text, filter: try (body.filter ?? EvidenceFilter()).resolved(), limit: limit)
        return .ok(request, QueryReply(total: page.total, hits: page.hits, replica: state))
    }

    @Sendable func summary(_ request: Request, logger: Logger) async throws -> Reply {
        let body = try request.decodeBody(SummaryRequest.self)
        guard let code = try EvidenceFilter(condition: body.condition).resolved().condition else {
            throw ErrorBody(code: .invalidRequest, message: "summary needs a condition")
        }
        let state = follower.state
        if var cached = summaries[code], cached.replica.applied == state.applied {
            cached.replica = state  // the same data, but the head and lag as they are now
            return .ok(request, cached)
        }
        let answer = try await replica.summary(condition: code, replica: state)
        // Only the vocabulary's conditions are cached: `other:<anything>` must not grow memory without bound.
        if ConditionVocabulary.concept(code: code) != nil { summaries[code] = answer }
        return .ok(request, answer)
    }

    static func check(_ value: Int, in range: ClosedRange<Int>, _ name: String) throws(ErrorBody) -> Int {
        guard range.contains(value) else {
            throw ErrorBody(code: .invalidRequest, message: "\(name) must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }
}

final class SummaryCache: Sendable {
    private let entries = Mutex<[String: SummaryReply]>([:])

    subscript(code: String) -> SummaryReply? {
        get { entries.withLock { $0[code] } }
        set { entries.withLock { $0[code] = newValue } }
    }
}
