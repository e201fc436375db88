@testable import EvidenceStore
@testable import Ingest
import TestHarness

/// A real evidence-store and ingest in this process, in folders of their own, for a
/// harvester to submit to; removed afterwards.
func withStoreAndIngest<T>(_ body: (ServiceLayout) async throws -> T) async throws -> T {
    let layout = try ServiceLayout()
    defer { layout.removeData() }
    let storeOptions = try StoreOptions.parse(layout.arguments("evidence-store"))
    let ingestOptions = try IngestOptions.parse(layout.arguments("ingest"))
    return try await withService("evidence-store", build: { try await makeStore(storeOptions, $0) }) { _ in
        try await withService("ingest", build: { try await makeIngest(ingestOptions, $0) }) { _ in try await body(layout) }
    }
}
