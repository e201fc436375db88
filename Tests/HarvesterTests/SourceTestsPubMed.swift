import Foundation
import TestHarness
import Testing
import WireProtocol
@testable import Harvester

@Suite("Harvester sources: PubMed against the fixture", .timeLimit(.minutes(1)))
struct SourceTestsPubMed {
    let ldn = SearchQuery(source: .pubmed, term: "naltrexone", condition: nil)

    @Test("esearch on the entry date with the history server, then efetch in batches; each article mapped as --allow-partial does")
    func pagesAndMapping() async throws {
        let fixture = try await HarvestFixture()
        let complete = try await fixture.addArticles((1...3).map { _ in .complete(entryDate: "2026-11-20") })
        let incomplete = try await fixture.addArticles((1...2).map { _ in .incomplete(entryDate: "2026-11-21") })
        let pages = try await withSources(fixture) { sources in
            var source = sources.pubmed
            source.batchSize = 2
            return try await fetchAll(source, ldn, HarvestWindow(from: nil, through: "2026-11-30"))
        }
        #expect(pages.all.map(\.items.count) == [2, 2, 1])
        #expect(pages.all.allSatisfy { $0.total == 5 })
        let items = pages.items
        #expect(Set(items.map(\.sourceID)) == Set(complete + incomplete))
        #expect(items.allSatisfy { $0.key == "pubmed:\($0.sourceID)" && $0.record.problems.isEmpty })
        #expect(items.filter(\.needsReview).map(\.sourceID).sorted() == incomplete.sorted())
        let title = try #require(items.first { $0.sourceID == complete[0] }).record.json
        #expect(String(decoding: title, as: UTF8.self).contains("SYNTHETIC harvest fixture"))

        let log = try await fixture.requests()
        let search = try #require(log.first)
        #expect(search.path == HarvestFixture.Path.esearch)
        for (name, value) in [("db", "pubmed"), ("term", "naltrexone"), ("usehistory", "y"), ("datetype", "edat"),
                              ("mindate", "1800/01/01"), ("maxdate", "2026/11/30"), ("retmax", "0")] {
            #expect(search.parameter(name) == value, "esearch \(name)")
        }
        let fetches = log.dropFirst()
        #expect(fetches.map(\.path) == Array(repeating: HarvestFixture.Path.efetch, count: 3))
        #expect(fetches.map { $0.parameter("retstart") } == ["0", "2", "4"])
        #expect(fetches.allSatisfy { $0.parameter("retmax") == "2" && $0.parameter("retmode") == "xml" && $0.parameter("query_key") == "1"
                && $0.parameter("WebEnv")?.hasPrefix("MCID_fixture_") == true && $0.parameter("db") == "pubmed" })
        #expect(log.allSatisfy { $0.parameter("tool") == "ldn-harvester-tests" && $0.parameter("email") == "tests@example.org"
                && $0.query["api_key"] == nil })
    }

    @Test("Only articles entered within the window are fetched; nothing found means no efetch")
    func window() async throws {
        let fixture = try await HarvestFixture()
        try await fixture.addArticles([.complete(entryDate: "2026-11-10")])
        let inside = try await fixture.addArticles([.complete(entryDate: "2026-11-20")])
        try await fixture.addArticles([.complete(entryDate: "2026-11-30")])
        let (found, none) = try await withSources(fixture) { sources in
            (try await fetchAll(sources.pubmed, ldn, HarvestWindow(from: "2026-11-15", through: "2026-11-25")),
             try await fetchAll(sources.pubmed, ldn, HarvestWindow(from: "2026-12-01", through: "2026-12-02")))
        }
        #expect(found.items.map(\.sourceID) == inside)
        #expect(none.all.isEmpty)
        let log = try await fixture.requests()
        #expect(log.map(\.path) == [HarvestFixture.Path.esearch, HarvestFixture.Path.efetch, HarvestFixture.Path.esearch])
        #expect(log[0].parameter("mindate") == "2026/11/15" && log[0].parameter("maxdate") == "2026/11/25")
    }

    @Test("Without a key, the fixture sees at most 3 requests a second, even from two fetches at once")
    func rateWithoutKey() async throws {
        let fixture = try await HarvestFixture()
        try await fixture.addArticles((1...5).map { _ in .complete(entryDate: "2026-11-20") })
        try await withSources(fixture) { sources in
            var source = sources.pubmed
            source.batchSize = 1
            async let first = fetchAll(source, ldn, HarvestWindow(from: nil, through: "2026-11-30"))
            async let second = fetchAll(source, ldn, HarvestWindow(from: nil, through: "2026-11-30"))
            let (one, two) = try await (first.items, second.items)
            #expect(one.count == 5 && two.count == 5)
        }
        let log = try await fixture.requests()
        #expect(log.count == 12)
        #expect(HarvestFixture.keptRate(log, perSecond: 3), "busiest second: \(HarvestFixture.busiestWindow(log))")
    }

    @Test("With a key: it is sent on every request, the limit is 10 a second, and the fixture sees no more")
    func rateWithKey() async throws {
        let fixture = try await HarvestFixture()
        try await fixture.addArticles((1...24).map { _ in .incomplete(entryDate: "2026-11-20") })
        try await withSources(fixture, apiKey: "fixture-key-0123456789") { sources in
            #expect(await sources.pubmed.http.limiter.limit == 10, "with a key, 10 a second instead of 3")
            var source = sources.pubmed
            source.batchSize = 1
            let found = try await fetchAll(source, ldn, HarvestWindow(from: nil, through: "2026-11-30")).items
            #expect(found.count == 24)
        }
        let log = try await fixture.requests()
        #expect(log.count == 25)
        #expect(log.allSatisfy { $0.parameter("api_key") == "fixture-key-0123456789" })
        #expect(HarvestFixture.keptRate(log, perSecond: 10), "busiest second: \(HarvestFixture.busiestWindow(log))")
    }

    @Test("Malformed esearch or efetch XML: .malformed at once, without a retry")
    func malformed() async throws {
        let fixture = try await HarvestFixture()
        try await fixture.addArticles([.complete(entryDate: "2026-11-20")])
        try await fixture.queueFaults([.init(malformed: true)], on: HarvestFixture.Path.esearch)
        try await withSources(fixture) { sources in
            let window = HarvestWindow(from: nil, through: "2026-11-30")
            let search = await harvestError { _ = try await fetchAll(sources.pubmed, ldn, window) }
            guard case .malformed(let request, _)? = search else { Issue.record("esearch: \(String(describing: search))"); return }
            #expect(request.contains("esearch.fcgi"))
            try await fixture.queueFaults([.init(malformed: true)], on: HarvestFixture.Path.efetch)
            let fetch = await harvestError { _ = try await fetchAll(sources.pubmed, ldn, window) }
            guard case .malformed(let request, let reason)? = fetch else { Issue.record("efetch: \(String(describing: fetch))"); return }
            #expect(request.contains("efetch.fcgi"))
            #expect(reason.hasPrefix("efetch: "))
        }
        #expect(try await fixture.requests().map(\.path)
                == [HarvestFixture.Path.esearch, HarvestFixture.Path.esearch, HarvestFixture.Path.efetch])
    }

    @Test("The API key appears in no error: not after retries, not in a refusal, not in a redirect's Location")
    func keyNeverShown() async throws {
        let key = "secret-key-9f8e7d6c5b"
        let fixture = try await HarvestFixture()
        try await fixture.queueFaults([.init(status: 503), .init(status: 503)], on: HarvestFixture.Path.esearch)
        let window = HarvestWindow(from: nil, through: "2026-11-30")
        let errors = try await withSources(fixture, apiKey: key, attempts: 2) { sources in
            let unavailable = await harvestError { _ = try await fetchAll(sources.pubmed, ldn, window) }
            try await fixture.queueFaults([.init(status: 400)], on: HarvestFixture.Path.esearch)
            let refused = await harvestError { _ = try await fetchAll(sources.pubmed, ldn, window) }
            try await fixture.queueFaults([.init(status: 302, location: "http://elsewhere.invalid/esearch.fcgi?api_key=\(key)")],
                                          on: HarvestFixture.Path.esearch)
            let redirect = await harvestError { _ = try await fetchAll(sources.pubmed, ldn, window) }
            return [unavailable, refused, redirect]
        }
        #expect(errors.allSatisfy { $0 != nil })
        for error in errors.compactMap({ $0 }) {
            #expect(!error.description.contains(key), "\(error)")
            #expect(error.description.contains("api_key=***"), "\(error)")
        }
        #expect(errors[0]?.isTransient == true)
        guard case .refused(_, 302, let reason)? = errors[2] else { Issue.record("redirect: \(String(describing: errors[2]))"); return }
        #expect(reason.contains("elsewhere.invalid"))
        // 2 attempts, the refusal, the redirect: nothing went to the redirect's target.
        #expect(try await fixture.requests().count == 4)
    }
}

@Suite("Harvester sources: PubMed searches larger than E-utilities hand out")
struct SourceTestsPubMedSplit {
    @Test("A window that finds more than one search can hand out is split by date until each half fits; every article once",
          .timeLimit(.minutes(1)))
    func splitsLargeWindows() async throws {
        let fixture = try await HarvestFixture()
        let days = ["2026-11-02", "2026-11-02", "2026-11-09", "2026-11-15", "2026-11-21", "2026-11-21", "2026-11-28"]
        let pmids = try await fixture.addArticles(days.map { .complete(entryDate: $0) })
        let pages = try await withSources(fixture) { sources in
            var source = sources.pubmed
            source.maximumPerSearch = 2
            return try await fetchAll(source, SearchQuery(source: .pubmed, term: "naltrexone", condition: nil),
                                      HarvestWindow(from: "2026-11-01", through: "2026-11-30"))
        }
        #expect(pages.items.map(\.sourceID).sorted() == pmids.sorted())
        let searches = try await fixture.requests().filter { $0.path == HarvestFixture.Path.esearch }
        let windows = searches.map { "\($0.parameter("mindate") ?? "")-\($0.parameter("maxdate") ?? "")" }
        // Halved until no half finds more than 2: each day's articles in exactly one of them.
        #expect(windows.first == "2026/11/01-2026/11/30")
        #expect(windows.contains("2026/11/01-2026/11/15") && windows.contains("2026/11/16-2026/11/30"))
        #expect(searches.count > 3)
    }

    @Test("More than one search can hand out on a single day is refused, telling to narrow the query", .timeLimit(.minutes(1)))
    func singleDayTooLarge() async throws {
        let fixture = try await HarvestFixture()
        try await fixture.addArticles((1...3).map { _ in .complete(entryDate: "2026-11-20") })
        let error = await harvestError {
            try await withSources(fixture) { sources in
                var source = sources.pubmed
                source.maximumPerSearch = 2
                _ = try await fetchAll(source, SearchQuery(source: .pubmed, term: "naltrexone", condition: nil),
                                       HarvestWindow(from: "2026-11-20", through: "2026-11-20"))
            }
        }
        #expect(error?.description.contains("narrow the query") == true, "\(String(describing: error))")
        #expect(error?.isTransient == false)
    }
}
