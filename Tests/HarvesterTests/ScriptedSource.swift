import EvidenceFormats
import Foundation
import Synchronization
import WireProtocol
@testable import Harvester

/// A source that answers from a script: the seam where the real PubMed and
/// ClinicalTrials.gov clients plug in (`HarvestSource`), so that the engine can be tested
/// against a real ingest and store while those clients are tested against their fixture
/// server. Each window gets the items `items` gives for it, `pageSize` at a time.
final class ScriptedSource: HarvestSource {
    struct Script: Sendable {
        var items: @Sendable (HarvestWindow) -> [HarvestedItem]
        var pageSize = 5
        var version: String?
        /// Thrown instead of the page with this index (from 0), on every fetch while set.
        var failAtPage: (page: Int, error: HarvestError)?
        /// A wait before each page, to give a test a run under way.
        var pageDelay: Duration?
    }

    private let state: Mutex<Script>
    private let windows = Mutex<[HarvestWindow]>([])

    init(_ script: Script) { state = Mutex(script) }

    func change(_ edit: (inout Script) -> Void) { state.withLock { edit(&$0) } }

    /// The windows asked for, in order.
    var fetched: [HarvestWindow] { windows.withLock { $0 } }

    func dataVersion() async throws(HarvestError) -> String? { state.withLock { $0.version } }

    func fetch(_ query: SearchQuery, window: HarvestWindow,
               page: @Sendable ([HarvestedItem], _ total: Int?) async throws -> Void) async throws {
        windows.withLock { $0.append(window) }
        let script = state.withLock { $0 }
        let items = script.items(window)
        let starts = Array(stride(from: 0, to: items.count, by: script.pageSize))
        for (index, start) in starts.enumerated() {
            if let failure = script.failAtPage, failure.page == index { throw failure.error }
            if let delay = script.pageDelay { try await Task.sleep(for: delay) }
            try await page(Array(items[start..<min(start + script.pageSize, items.count)]), items.count)
        }
        if let failure = script.failAtPage, failure.page >= starts.count { throw failure.error }
    }
}

/// Real LDN records to harvest: the network's seed data (data/ldn-evidence.jsonl, 24
/// records, each with a PMID), mapped as `ldn submit` maps a file.
enum HarvestSamples {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let records: [SourceRecord] = {
        // The file is in the repository; a failure here is a broken checkout.
        try! SourceFile.read(path: repository.appendingPathComponent("data/ldn-evidence.jsonl").path).records
    }()

    /// The sample records as PubMed items, keyed by PMID ("pubmed:17222320").
    static func items(_ range: Range<Int>) -> [HarvestedItem] {
        range.map { index in
            let record = records[index]
            let json = (try? JSONSerialization.jsonObject(with: record.json)) as? [String: Any]
            let pmid = ((json?["identifiers"] as? [String: Any])?["pmid"] as? String) ?? "line\(index)"
            return HarvestedItem(key: "pubmed:\(pmid)", sourceID: pmid, record: record)
        }
    }
}
