import Foundation
import TestHarness
import Testing
import WireProtocol
@testable import Harvester

@Suite("Harvester sources: ClinicalTrials.gov against the fixture", .timeLimit(.minutes(1)))
struct SourceTestsClinicalTrials {
    let ldn = SearchQuery(source: .ctgov, term: "naltrexone", condition: "fibromyalgia")

    @Test("Pages follow nextPageToken, the first counting the total; each study mapped as --allow-partial does")
    func paging() async throws {
        let fixture = try await HarvestFixture()
        let complete = try await fixture.addStudies((1...3).map { _ in .complete(lastUpdate: "2026-11-20") })
        let incomplete = try await fixture.addStudies((1...2).map { _ in .incomplete(lastUpdate: "2026-11-21") })
        try await fixture.addStudies([.init(title: "another drug in fibromyalgia", lastUpdate: "2026-11-20", conditions: ["Fibromyalgia"],
                                            allocation: "RANDOMIZED", interventions: ["Amitriptyline"])])
        let query = SearchQuery(source: .ctgov, term: "naltrexone", condition: nil)
        let pages = try await withSources(fixture) { sources in
            var source = sources.clinicalTrials
            source.pageSize = 2
            return try await fetchAll(source, query, HarvestWindow(from: nil, through: "2026-11-30"))
        }
        #expect(pages.all.map(\.items.count) == [2, 2, 1])
        #expect(pages.all.allSatisfy { $0.total == 5 })
        let items = pages.items
        #expect(items.map(\.sourceID) == (complete + incomplete).sorted())
        #expect(items.allSatisfy { $0.key == "ctgov:\($0.sourceID)@\(complete.contains($0.sourceID) ? "2026-11-20" : "2026-11-21")" })
        #expect(items.allSatisfy { $0.record.problems.isEmpty })
        #expect(items.filter(\.needsReview).map(\.sourceID) == incomplete)

        let log = try await fixture.requests()
        #expect(log.map(\.path) == Array(repeating: HarvestFixture.Path.studies, count: 3))
        #expect(log[0].query["query.cond"] == nil)
        for (name, value) in [("format", "json"), ("query.term", "naltrexone"),
                              ("filter.advanced", "AREA[LastUpdatePostDate]RANGE[MIN,2026-11-30]"), ("pageSize", "2"),
                              ("countTotal", "true")] {
            #expect(log[0].parameter(name) == value, "first page \(name)")
        }
        #expect(log[0].query["pageToken"] == nil)
        #expect(log.dropFirst().allSatisfy { $0.parameter("pageToken") != nil && $0.query["countTotal"] == nil })
    }

    @Test("The window is sent as a LastUpdatePostDate range and honoured; an updated study is a new item")
    func windowAndUpdates() async throws {
        let fixture = try await HarvestFixture()
        let ids = try await fixture.addStudies([.complete(lastUpdate: "2026-11-10"), .complete(lastUpdate: "2026-11-20"),
                                                .complete(lastUpdate: "2026-11-30")])
        let query = ldn
        let (first, second) = try await withSources(fixture) { sources in
            let first = try await fetchAll(sources.clinicalTrials, query, HarvestWindow(from: "2026-11-15", through: "2026-11-25"))
            try await fixture.addStudies([.complete(nctID: ids[0], lastUpdate: "2026-12-02")])
            let second = try await fetchAll(sources.clinicalTrials, query, HarvestWindow(from: "2026-12-01", through: "2026-12-03"))
            return (first, second)
        }
        #expect(first.items.map(\.key) == ["ctgov:\(ids[1])@2026-11-20"])
        #expect(second.items.map(\.key) == ["ctgov:\(ids[0])@2026-12-02"])
        let log = try await fixture.requests()
        #expect(log.map { $0.parameter("filter.advanced") } == ["AREA[LastUpdatePostDate]RANGE[2026-11-15,2026-11-25]",
                                                                 "AREA[LastUpdatePostDate]RANGE[2026-12-01,2026-12-03]"])
        #expect(log.allSatisfy { $0.parameter("query.cond") == "fibromyalgia" })
    }

    @Test("A nextPageToken leading to an empty page (that carries a token of its own) ends the fetch cleanly")
    func emptyLastPage() async throws {
        let fixture = try await HarvestFixture()
        try await fixture.addStudies((1...4).map { _ in .complete(lastUpdate: "2026-11-20") })
        try await fixture.setTrailingEmptyPage(true)
        let pages = try await withSources(fixture) { sources in
            var source = sources.clinicalTrials
            source.pageSize = 2
            return try await fetchAll(source, ldn, HarvestWindow(from: nil, through: "2026-11-30"))
        }
        #expect(pages.all.map(\.items.count) == [2, 2])
        #expect(try await fixture.requests().count == 3)
    }

    @Test("dataVersion is /version's dataTimestamp, and follows it")
    func dataVersion() async throws {
        let fixture = try await HarvestFixture()
        try await fixture.setDataTimestamp("2026-11-29T09:00:05")
        let versions = try await withSources(fixture) { sources in
            let first = try await sources.clinicalTrials.dataVersion()
            try await fixture.setDataTimestamp("2026-11-30T09:00:07")
            return [first, try await sources.clinicalTrials.dataVersion(), try await sources.pubmed.dataVersion()]
        }
        #expect(versions == ["2026-11-29T09:00:05", "2026-11-30T09:00:07", nil])
        #expect(try await fixture.requests().map(\.path) == [HarvestFixture.Path.version, HarvestFixture.Path.version])
    }

    @Test("Malformed JSON from /studies or /version: .malformed at once, without a retry")
    func malformed() async throws {
        let fixture = try await HarvestFixture()
        try await fixture.addStudies([.complete(lastUpdate: "2026-11-20")])
        try await fixture.queueFaults([.init(malformed: true)], on: HarvestFixture.Path.studies)
        try await fixture.queueFaults([.init(malformed: true)], on: HarvestFixture.Path.version)
        let (studies, version) = try await withSources(fixture) { sources in
            (await harvestError { _ = try await fetchAll(sources.clinicalTrials, ldn, HarvestWindow(from: nil, through: "2026-11-30")) },
             await harvestError { _ = try await sources.clinicalTrials.dataVersion() })
        }
        guard case .malformed(let request, _)? = studies else { Issue.record("studies: \(String(describing: studies))"); return }
        #expect(request.contains("/api/v2/studies"))
        guard case .malformed? = version else { Issue.record("version: \(String(describing: version))"); return }
        #expect(try await fixture.requests().count == 2)
    }

    @Test("--ctgov-rate is kept: at 2 per second, the fixture sees at most 2 requests a second")
    func rate() async throws {
        let fixture = try await HarvestFixture()
        try await fixture.addStudies((1...5).map { _ in .complete(lastUpdate: "2026-11-20") })
        try await withSources(fixture, ctgovRate: 2) { sources in
            var source = sources.clinicalTrials
            source.pageSize = 1
            let found = try await fetchAll(source, ldn, HarvestWindow(from: nil, through: "2026-11-30")).items
            #expect(found.count == 5)
        }
        let log = try await fixture.requests()
        #expect(log.count == 5)
        #expect(HarvestFixture.keptRate(log, perSecond: 2), "busiest second: \(HarvestFixture.busiestWindow(log))")
    }
}
