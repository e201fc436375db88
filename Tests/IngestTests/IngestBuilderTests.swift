import EvidenceModel
import Foundation
import SyntheticData
import TestHarness
import Testing
import WireProtocol
@testable import EvidenceStore
@testable import Ingest

/// `makeIngest`, what `ldn-ingest` runs, run inside the test process in front of an
/// in-process store (`makeStore`).
@Suite("Ingest's builder, in process", .timeLimit(.minutes(1)))
struct IngestBuilderTests {
    @Test("It answers status and forwards a submission to the store; the same record again is a duplicate")
    func submitTwice() async throws {
        let layout = try ServiceLayout()
        defer { layout.removeData() }
        let (store, ingest) = (layout.store, layout.ingest)
        let storeOptions = try StoreOptions.parse(layout.arguments("evidence-store"))
        let ingestOptions = try IngestOptions.parse(layout.arguments("ingest"))
        let record = SyntheticRecords.record(2).jsonData

        try await withService("evidence-store", build: { try await makeStore(storeOptions, $0) }) { _ in
            try await withService("ingest", build: { try await makeIngest(ingestOptions, $0) }) { _ in
                #expect(try await status(ingest).service == "ingest")
                func submit() async throws -> SubmitReply {
                    try await request(ingest, Request(type: MessageType.submit, id: UUID().uuidString, body: SubmitRequest(),
                                                      attachments: [record])).decode(SubmitReply.self)
                }
                let first = try await submit()
                #expect(first.accepted == 1, "\(first.results)")
                let again = try await submit()
                #expect(again.duplicate == 1 && again.results.first?.id == first.results.first?.id, "\(again.results)")
                #expect(try await status(store).sequence?.head == 1)
            }
        }
    }
}
