import BenchmarkSupport
import Foundation
import SyntheticData
import TestHarness
import WireProtocol

/// The replica's read latencies at one size, through the real request path, one client, one
/// request at a time (the requests of `QueryRequests`, as `ldn-bench-query` sends them).
struct Reads {
    let set: LocalSet
    let requests: Int
    let freshRounds: Int
    /// The synthetic record number the after-a-change rounds start submitting at.
    let firstNewRecord: Int

    struct Figures {
        let filtered, selective, common, summaryCached, summaryFresh, synthesizeCached, synthesizeFresh: Measure.Latencies
        let selectiveMatches, commonMatches: Int
    }

    func measure() async throws -> Figures {
        let filtered = try await Measure.latencies(set.query, QueryRequests.filtered, count: requests).0
        let selective = try await Measure.latencies(set.query, QueryRequests.selectiveSearch, count: requests).0
        let common = try await Measure.latencies(set.query, QueryRequests.commonWordSearch, count: max(requests / 4, 1)).0
        let summaryCached = try await Measure.latencies(set.query, QueryRequests.summary, count: requests).0
        _ = try await request(set.query, Self.synthesize("warm-up"))  // computed once; then cached
        let synthesizeCached = try await Measure.latencies(set.query, { Self.synthesize("cached-\($0)") }, count: requests).0
        let fresh = try await afterChanges()
        let figures = Figures(filtered: filtered, selective: selective, common: common, summaryCached: summaryCached,
                              summaryFresh: fresh.summary, synthesizeCached: synthesizeCached, synthesizeFresh: fresh.synthesize,
                              selectiveMatches: try await matches(QueryRequests.selectiveSearch(Self.sample)),
                              commonMatches: try await matches(QueryRequests.commonWordSearch(0)))
        print("filtered query \(filtered.line)")
        print("search, selective words (\(figures.selectiveMatches) matches for \"study \(Self.sample)\") \(selective.line)")
        print("search, common word (\(figures.commonMatches) matches for \"sleep\") \(common.line)")
        print("summary, cached \(summaryCached.line); just after a change \(fresh.summary.line)")
        print("synthesize (200 trials), cached \(synthesizeCached.line); just after a change \(fresh.synthesize.line)")
        return figures
    }

    /// The selective search whose matches are counted: "study 4711" (one in 9973 records, and record 4711).
    static let sample = 4711

    static func synthesize(_ id: String) -> Request { Request(type: MessageType.synthesize, id: id, body: ScaleRun.question) }

    /// After each of `freshRounds` changes (one more record, elsewhere), a summary and a
    /// synthesis once: the change emptied the replica's answer cache, so both are computed.
    private func afterChanges() async throws -> (summary: Measure.Latencies, synthesize: Measure.Latencies) {
        var summary: [Double] = [], synthesize: [Double] = []
        for round in 0..<freshRounds {
            _ = try await Measure.load([SyntheticRecords.record(firstNewRecord + round).jsonData], ingest: set.ingest,
                                       batchSize: 1, inFlight: 1)
            _ = try await waitUntilCaughtUp(set.query, store: set.store)
            summary += try await Measure.latencies(set.query, { QueryRequests.summary(round * 1000 + $0) }, count: 1).0.sorted
            synthesize += try await Measure.latencies(set.query, { Self.synthesize("fresh-\(round)-\($0)") }, count: 1).0.sorted
        }
        return (Measure.Latencies(summary), Measure.Latencies(synthesize))
    }

    private func matches(_ search: Request) async throws -> Int {
        try await request(set.query, search).decode(QueryReply.self).total
    }
}
