import Foundation
import TestHarness
import Testing

/// `ldn harvest` against the real `ldn-harvester` executable, in front of a real ingest and store.
@Suite("ldn harvest: the real executables", .serialized, .timeLimit(.minutes(3)))
struct HarvestCommandTests {
    @Test("add, list, pause, resume, rm; a source that cannot be reached pauses the search with the reason shown in the list")
    func manageSearches() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest"])
        // Nothing listens at port 1: every run fails at once as unavailable, and one failure pauses.
        try await set.start("harvester", extraArguments: ["--pause-after", "1", "--http-attempts", "1", "--http-timeout", "2",
                                                          "--pubmed-base", "http://127.0.0.1:1/eutils",
                                                          "--ctgov-base", "http://127.0.0.1:1/api/v2"])
        let flags = set.harvesterFlags

        let added = try await ldn(["harvest", "add", "ldn-pubmed", "--pubmed", "low dose naltrexone", "--every", "24h"] + flags)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("Search \"ldn-pubmed\" saved: PubMed \"low dose naltrexone\", every 1d."), "\(added.stdout)")

        let refused = [
            (["--pubmed", "ldn", "--condition", "fibromyalgia"], "--condition goes with --ctgov"),
            (["--pubmed", "ldn", "--every", "30s"], "too short"),
            (["--pubmed", "ldn", "--every", "2 weeks"], "is not an interval"),
            (["--pubmed", "ldn", "--ctgov", "ldn"], "not both"),
        ]
        for (arguments, message) in refused {
            let run = try await ldn(["harvest", "add", "other"] + arguments + flags)
            #expect(run.status != 0 && run.stderr.contains(message), "\(arguments): \(run.stderr)")
        }
        let taken = try await ldn(["harvest", "add", "ldn-pubmed", "--ctgov", "naltrexone"] + flags)
        #expect(taken.status != 0 && taken.stderr.contains("exists"), "\(taken.stderr)")

        try await eventually("the first run fails and pauses the search", timeout: .seconds(60)) {
            let list = try await ldn(["harvest", "list", "--json"] + flags)
            return list.stdout.contains("\"paused\"")
        }
        let table = try await ldn(["harvest", "list"] + flags)
        #expect(table.status == 0, "\(table.stderr)")
        let row = try #require(table.stdout.split(separator: "\n").first { $0.hasPrefix("ldn-pubmed ") })
        #expect(row.contains("pubmed") && row.contains("1d") && row.contains("failed") && row.hasSuffix("paused"), "\(row)")
        #expect(table.stdout.contains("ldn-pubmed is paused: "), "\(table.stdout)")

        let run = try await ldn(["harvest", "run", "ldn-pubmed"] + flags)
        #expect(run.status != 0 && run.stderr.contains("paused"), "a paused search is not run: \(run.stderr)")

        let paused = try await ldn(["harvest", "pause", "ldn-pubmed", "--reason", "refining the query"] + flags)
        #expect(paused.status == 0, "\(paused.stderr)")
        let list = try await ldn(["harvest", "list"] + flags)
        #expect(list.stdout.contains("ldn-pubmed is paused: refining the query"), "\(list.stdout)")

        let resumed = try await ldn(["harvest", "resume", "ldn-pubmed"] + flags)
        #expect(resumed.status == 0 && resumed.stdout.contains("resumed"), "\(resumed.stderr)")

        let status = try await ldn(["status", "--service", "harvester"] + flags)
        #expect(status.status == 0 && status.stdout.contains("harvester "), "\(status.stdout)\(status.stderr)")

        let removed = try await ldn(["harvest", "rm", "ldn-pubmed"] + flags)
        #expect(removed.status == 0, "\(removed.stderr)")
        let empty = try await ldn(["harvest", "list"] + flags)
        #expect(empty.stdout.contains("No saved searches"), "\(empty.stdout)")
        let unknown = try await ldn(["harvest", "run", "nothing"] + flags)
        #expect(unknown.status != 0 && unknown.stderr.contains("no search named \"nothing\""), "\(unknown.stderr)")

        let statuses = try await set.stop()
        #expect(statuses["harvester"] == 0, "SIGTERM stops the harvester cleanly: \(statuses)")
    }
}
