import EvidenceFormats
import Foundation
import Logging
import Synchronization
import TestHarness
import WireProtocol
@testable import Harvester

/// Sources pointed at `fixture`, with waits short enough for tests; shut down afterwards.
func withSources<T>(_ fixture: HarvestFixture, apiKey: String? = nil, timeout: Duration = .seconds(5), attempts: Int = 3,
                    ctgovRate: Double = 50, _ body: (HarvestSources) async throws -> T) async throws -> T {
    let configuration = SourceConfiguration(pubmedBase: URL(string: fixture.pubmedBase)!, ctgovBase: URL(string: fixture.ctgovBase)!,
                                            ncbiTool: "ldn-harvester-tests", ncbiEmail: "tests@example.org", ncbiAPIKey: apiKey,
                                            ctgovRate: ctgovRate, timeout: timeout, attempts: attempts, firstBackoff: .milliseconds(20))
    let sources = HarvestSources(configuration, logger: Logger(label: "harvester-tests"))
    do {
        let result = try await body(sources)
        await sources.shutdown()
        return result
    } catch {
        await sources.shutdown()
        throw error
    }
}

/// The pages a fetch handed over, in order.
final class CollectedPages: Sendable {
    private let pages = Mutex<[(items: [HarvestedItem], total: Int?)]>([])

    var all: [(items: [HarvestedItem], total: Int?)] { pages.withLock { $0 } }
    var items: [HarvestedItem] { all.flatMap(\.items) }

    func add(_ items: [HarvestedItem], _ total: Int?) {
        pages.withLock { $0.append((items, total)) }
    }
}

/// Everything `source` finds, page by page.
func fetchAll(_ source: any HarvestSource, _ query: SearchQuery, _ window: HarvestWindow) async throws -> CollectedPages {
    let pages = CollectedPages()
    try await source.fetch(query, window: window) { items, total in pages.add(items, total) }
    return pages
}

/// The HarvestError `body` throws, or nil when it throws none (or another error).
func harvestError(_ body: () async throws -> Void) async -> HarvestError? {
    do {
        try await body()
        return nil
    } catch let error as HarvestError {
        return error
    } catch {
        return nil
    }
}

extension HarvestedItem {
    /// Whether the store would keep it as needs-review.
    var needsReview: Bool { !(record.provenance.unresolved ?? []).isEmpty }
}
