import Foundation
import TestHarness
import Testing

/// The real `ldn-harvester` against the fixture server imitating PubMed and
/// ClinicalTrials.gov (synthetic records), submitting to a real ingest and store. The
/// fixture is killed when it goes out of scope at the end of each test (its `stop()` waits
/// for SIGTERM longer than the harness allows).
@Suite("The harvester end to end, against the fixture", .serialized, .timeLimit(.minutes(4)))
struct HarvestEndToEndTests {
    /// The set (store, ingest, harvester at the fixture's bases) and the fixture.
    static func start(_ services: [String] = ["evidence-store", "ingest"], harvesterArguments: [String] = [])
        async throws -> (LocalSet, HarvestFixture) {
        let fixture = try await HarvestFixture()
        let set = try await LocalSet.start(services, extraArguments: [
            "harvester": ["--pubmed-base", fixture.pubmedBase, "--ctgov-base", fixture.ctgovBase, "--http-attempts", "2",
                          "--http-backoff-ms", "50"] + harvesterArguments])
        try await set.start("harvester")
        return (set, fixture)
    }

    /// The search as `ldn harvest list --json` shows it.
    static func search(_ set: LocalSet, _ name: String) async throws -> [String: Any]? {
        let list = try await ldn(["harvest", "list", "--json"] + set.harvesterFlags)
        let object = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any]
        return (object?["searches"] as? [[String: Any]])?.first { $0["name"] as? String == name }
    }

    static func lastRun(_ set: LocalSet, _ name: String) async throws -> [String: Any]? {
        try await search(set, name)?["last_run"] as? [String: Any]
    }

    static var today: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date())
    }

    @Test("A first run submits what PubMed has; an incremental run submits only the new ids")
    func firstThenIncremental() async throws {
        let (set, fixture) = try await Self.start()
        try await fixture.addArticles((1...3).map { _ in .complete(entryDate: "2026-10-01") } + [.incomplete(entryDate: "2026-10-02",
                                                                                                          title: "low dose naltrexone, a note")])
        let added = try await ldn(["harvest", "add", "ldn", "--pubmed", "low dose naltrexone", "--every", "24h"] + set.harvesterFlags)
        #expect(added.status == 0, "\(added.stderr)")
        try await eventually("the first run completes", timeout: .seconds(60)) {
            try await Self.lastRun(set, "ldn")?["outcome"] as? String == "complete"
        }
        let first = try #require(try await Self.lastRun(set, "ldn"))
        #expect(first["found"] as? Int == 4 && first["new"] as? Int == 4 && first["needs_review"] as? Int == 1, "\(first)")
        #expect(try await status(set.store).sequence?.head == 4)

        try await fixture.addArticles([.complete(entryDate: Self.today, title: "low dose naltrexone in fibromyalgia, a second trial"),
                                       .complete(entryDate: Self.today, title: "low dose naltrexone in fibromyalgia, a third trial")])
        let run = try await ldn(["harvest", "run", "ldn", "--interval", "0.2"] + set.harvesterFlags)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("new 2 (for review 0)"), "\(run.stdout)")
        #expect(try await status(set.store).sequence?.head == 6, "only the two new ids were submitted")
        let list = try await ldn(["harvest", "list"] + set.harvesterFlags)
        #expect(list.stdout.contains("ldn ") && list.stdout.contains("complete"), "\(list.stdout)")
        _ = try await set.stop()
    }

    @Test("kill -9 during a run, then a restart: every record is stored once and none is missed")
    func killMidRun() async throws {
        let (set, fixture) = try await Self.start()
        try await fixture.addArticles((1...450).map { _ in .complete(entryDate: "2026-10-01") })
        // The second efetch (records 201-400) is slow: the harvester is killed while it waits.
        try await fixture.queueFaults([HarvestFixture.Fault(), HarvestFixture.Fault(delay: 20)], on: HarvestFixture.Path.efetch)
        let added = try await ldn(["harvest", "add", "ldn", "--pubmed", "low dose naltrexone"] + set.harvesterFlags)
        #expect(added.status == 0, "\(added.stderr)")
        try await eventually("the first page is stored", timeout: .seconds(60)) {
            (try await status(set.store).sequence?.head ?? 0) >= 200
        }
        #expect(try await status(set.store).sequence?.head == 200, "the run waits for the slow page")
        try await set.kill9("harvester")

        try await set.start("harvester")
        try await eventually("the resumed run completes", timeout: .seconds(90)) {
            try await Self.lastRun(set, "ldn")?["outcome"] as? String == "complete"
        }
        #expect(try await status(set.store).sequence?.head == 450, "450 records, each stored once (one change each)")
        let search = try #require(try await Self.search(set, "ldn"))
        #expect(search["seen"] as? Int == 450)
        _ = try await set.stop()
    }

    @Test("A malformed answer pauses the search at once, with the reason in `ldn harvest list`")
    func malformedPauses() async throws {
        let (set, fixture) = try await Self.start()
        try await fixture.addArticles([.complete(entryDate: "2026-10-01")])
        try await fixture.queueFaults([HarvestFixture.Fault(malformed: true)], on: HarvestFixture.Path.esearch)
        _ = try await ldn(["harvest", "add", "ldn", "--pubmed", "low dose naltrexone"] + set.harvesterFlags)
        try await eventually("the search is paused", timeout: .seconds(60)) {
            try await Self.search(set, "ldn")?["paused"] != nil
        }
        let list = try await ldn(["harvest", "list"] + set.harvesterFlags)
        let reason = try #require(list.stdout.split(separator: "\n").first { $0.hasPrefix("ldn is paused: ") })
        #expect(reason.contains("could not be read"), "\(list.stdout)")
        #expect(try await status(set.store).sequence?.head == 0)
        let statusLine = try await ldn(["status", "--service", "harvester", "--json"] + set.harvesterFlags)
        #expect(statusLine.stdout.contains("\"searches.paused\" : 1") || statusLine.stdout.contains("\"searches.paused\":1"),
                "\(statusLine.stdout)")

        // Fixed (the fault was one answer): resumed, the run completes from where it was.
        let resumed = try await ldn(["harvest", "resume", "ldn"] + set.harvesterFlags)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        try await eventually("the resumed run completes", timeout: .seconds(60)) {
            try await Self.lastRun(set, "ldn")?["outcome"] as? String == "complete"
        }
        #expect(try await status(set.store).sequence?.head == 1)
        _ = try await set.stop()
    }

    @Test("A study harvested from ClinicalTrials.gov reaches `ldn watch follow` on a matching watch")
    func harvestedStudyReachesWatch() async throws {
        let fixture = try await HarvestFixture()
        let set = try await LocalSet.start(extraArguments: [
            "notifier": notifierTestArguments,
            "harvester": ["--pubmed-base", fixture.pubmedBase, "--ctgov-base", fixture.ctgovBase, "--http-attempts", "2",
                          "--http-backoff-ms", "50"]])
        try await set.start("harvester")
        #expect(try await ldn(["watch", "add", "fibro", "--condition", "fibromyalgia", "--notifier", set.notifier]).status == 0)
        let follow = try ServiceProcess("ldn", ["watch", "follow", "fibro", "--stream", set.stream, "--notifier", set.notifier],
                                        captureOutput: true)
        try await follow.waitForLine("following watch")
        try await waitForSubscriber(set, watch: "fibro")

        try await fixture.addStudies([.complete(lastUpdate: "2026-11-20")])
        let added = try await ldn(["harvest", "add", "fibro-trials", "--ctgov", "naltrexone", "--condition", "fibromyalgia"]
                                  + set.harvesterFlags)
        #expect(added.status == 0, "\(added.stderr)")
        try await eventually("the harvested study is delivered on the stream", timeout: .seconds(60)) { follow.output.count == 1 }
        #expect(follow.output[0].lowercased().contains("naltrexone"), "\(follow.output)")
        let run = try #require(try await Self.lastRun(set, "fibro-trials"))
        #expect(run["new"] as? Int == 1, "\(run)")
        follow.signal(SIGINT)
        _ = try await follow.waitForExit()
        _ = try await set.stop()
    }
}
