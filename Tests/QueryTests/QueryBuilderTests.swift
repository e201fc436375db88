import EvidenceModel
import Foundation
import SyntheticData
import TestHarness
import Testing
import WireProtocol
@testable import EvidenceStore
@testable import Query

/// `makeQuery`, what `ldn-query` runs, run inside the test process behind an in-process
/// store (`makeStore`).
@Suite("The query replica's builder, in process", .timeLimit(.minutes(1)))
struct QueryBuilderTests {
    @Test("It answers status, follows the store and answers a filtered query with what the store took")
    func followAndQuery() async throws {
        let layout = try ServiceLayout()
        defer { layout.removeData() }
        let (store, query) = (layout.store, layout.query)
        let storeOptions = try StoreOptions.parse(layout.arguments("evidence-store"))
        let queryOptions = try QueryOptions.parse(layout.arguments("query"))
        let records = try [3, 4].map { try #require(RecordIntake.evaluate(SyntheticRecords.record($0).jsonData).record) }
        #expect(records[0].conditions != records[1].conditions)

        try await withService("evidence-store", build: { try await makeStore(storeOptions, $0) }) { _ in
            try await withService("query", build: { try await makeQuery(queryOptions, $0) }) { _ in
                #expect(try await status(query).service == "query")
                let written = try await write(records, to: store)
                #expect(written.results.map(\.outcome) == [.accepted, .accepted])
                try await eventually("the replica applies both changes") {
                    (try? await status(query))?.sequence?.applied == 2
                }
                let reply = try await request(query, Request(type: MessageType.query, id: UUID().uuidString,
                                                             body: QueryRequest(filter: EvidenceFilter(condition: records[0].conditions[0]))))
                    .decode(QueryReply.self)
                #expect(reply.total == 1 && reply.hits.map(\.id) == [written.results[0].id])
                #expect(reply.replica.applied == 2)
            }
        }
    }
}
