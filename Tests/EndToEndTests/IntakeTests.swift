import EvidenceModel
import Foundation
import SyntheticData
import TestHarness
import Testing
import WireProtocol

/// Real LDN studies, as a reviewer would load them (facts from the bundled reference list).
let crohnsJSONL = """
{"title":"Low-dose naltrexone therapy improves active Crohn's disease.","year":2007,"authors":["Smith JP"],"journal":"Am J Gastroenterol","identifiers":{"pmid":"17222320"},"conditions":["Crohn's disease"],"design":"open-label","participants":17,"dose_mg":4.5,"duration_weeks":12}
{"title":"Therapy with the opioid antagonist naltrexone promotes mucosal healing in active Crohn's disease: a randomized placebo-controlled trial.","year":2011,"authors":["Smith JP"],"journal":"Dig Dis Sci","identifiers":{"pmid":"21380937","doi":"10.1007/s10620-011-1653-7"},"conditions":["Crohn disease"],"design":"rct","participants":40,"dose_mg":4.5,"duration_weeks":12,"comparator":"placebo"}
{"title":"Low dose naltrexone for induction of remission in inflammatory bowel disease patients.","year":2018,"authors":["Lie MRKL"],"journal":"J Transl Med","identifiers":{"pmid":"29523156","doi":"10.1186/s12967-018-1427-5"},"conditions":["Crohn's disease","ulcerative colitis"],"design":"open-label","participants":47,"duration_weeks":12}
{"title":"An impossible record","year":1850,"conditions":["Crohn's disease"],"design":"rct","participants":-3,"dose_mg":500}

"""

@Suite("Durable intake through the real ingest and store", .serialized)
struct IntakeTests {
    @Test("submit → get round trip; resubmitting changes nothing and says so")
    func roundTrip() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest", "query"])
        let file = try temporaryFile("crohns.jsonl", crohnsJSONL)

        let first = try await ldn(["submit", file, "--ingest", set.ingest])
        #expect(first.status == 1, "one record is rejected")
        #expect(first.stdout.contains("3 accepted, 0 duplicate, 0 updated, 1 rejected"), "\(first.stdout)")
        #expect(first.stderr.contains("rejected \(file) line 4: year: must be between 1900"))
        #expect(first.stderr.contains("rejected \(file) line 4: participants: must not be negative, found -3"))
        #expect(first.stderr.contains("rejected \(file) line 4: dose_mg: 500 mg is above the standard 50 mg naltrexone dose"))

        let shown = try await ldn(["get", "10.1007/S10620-011-1653-7", "--query", set.query])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.hasPrefix("Therapy with the opioid antagonist naltrexone"))
        #expect(shown.stdout.contains("Crohn's disease") && shown.stdout.contains("PMID 21380937"))
        let unwrapped = shown.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(unwrapped.contains("from \(file) line 2"))
        let byPMID = try await ldn(["get", "17222320", "--query", set.query])
        #expect(byPMID.stdout.hasPrefix("Low-dose naltrexone therapy improves active Crohn's disease."))

        let again = try await ldn(["submit", file, "--json", "--ingest", set.ingest])
        let document = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any]
        #expect(document?["accepted"] as? Int == 0 && document?["duplicate"] as? Int == 3)
        let store = try await status(set.store)
        #expect(store.counters["records"] == 3 && store.counters["changes"] == 3)
        #expect(store.sequence?.head == 3)
        _ = try await set.stop()
    }

    @Test("The same study as JSON and as CSV is one record; changed content becomes version 2")
    func formatsAndVersions() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest", "query"])
        let json = try temporaryFile("fibro.json", """
            [{"title": "Low-dose naltrexone for the treatment of fibromyalgia", "year": 2013, "authors": ["Younger J", "Noor N"],
              "identifiers": {"doi": "10.1002/art.37734", "nct": "NCT00568555"}, "conditions": ["fibromyalgia"],
              "design": "crossover-rct", "participants": 31, "dose_mg": 4.5}]
            """)
        let csv = try temporaryFile("fibro.csv", """
            title,year,authors,doi,nct,conditions,design,participants,dose_mg
            Low-dose naltrexone for the treatment of fibromyalgia,2013,Younger J;Noor N,https://doi.org/10.1002/art.37734,NCT00568555,Fibromyalgia,crossover-rct,31,4.5

            """)
        let changed = try temporaryFile("fibro-changed.csv", """
            title,year,authors,doi,nct,conditions,design,participants,dose_mg,summary
            Low-dose naltrexone for the treatment of fibromyalgia,2013,Younger J;Noor N,10.1002/art.37734,NCT00568555,fibromyalgia,crossover-rct,31,4.5,"Baseline pain fell 28.8% on LDN vs 18.0% on placebo (p=0.016)."

            """)
        #expect(try await ldn(["submit", json, "--ingest", set.ingest]).stdout.contains("1 accepted"))
        let fromCSV = try await ldn(["submit", csv, "--ingest", set.ingest])
        #expect(fromCSV.stdout.contains("0 accepted, 1 duplicate"), "\(fromCSV.stdout)\(fromCSV.stderr)")
        let update = try await ldn(["submit", changed, "--ingest", set.ingest])
        #expect(update.stdout.contains("0 accepted, 0 duplicate, 1 updated"), "\(update.stdout)\(update.stderr)")

        let history = try await ldn(["get", "doi:10.1002/art.37734", "--history", "--query", set.query])
        #expect(history.stdout.contains("version 2"))
        #expect(history.stdout.contains("Baseline pain fell 28.8%"))
        let rows = history.stdout.split(separator: "\n").filter { $0.hasPrefix("1 ") || $0.hasPrefix("2 ") }
        #expect(rows.count == 2 && rows[0].contains("insert") && rows[1].contains("update"), "\(history.stdout)")
        _ = try await set.stop()
    }

    @Test("Crash safety: kill -9 the store mid-load; after a restart the client's retries finish the load, every record once")
    func crashSafety() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest"])
        let count = 3000
        let file = try temporaryFile("synthetic.jsonl", SyntheticRecords.jsonLines(0..<count))
        async let load = ldn(["submit", file, "--json", "--batch-size", "50", "--in-flight", "4", "--timeout", "2",
                              "--retries", "20", "--ingest", set.ingest])

        // Wait until part of the load is committed, then crash the store without any warning.
        var committed = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while committed < 300, ContinuousClock.now < deadline {
            committed = (try? await status(set.store).counters["records"]) ?? 0
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(committed >= 300 && committed < count, "the crash must land mid-load (committed \(committed))")
        try await set.kill9("evidence-store")
        try await Task.sleep(for: .milliseconds(500))  // an outage the client's retries must ride out, not a wait
        try await set.start("evidence-store")

        let result = try await load
        #expect(result.status == 0, "\(result.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let records = document?["records"] as? [[String: Any]] ?? []
        #expect(records.count == count)
        #expect(records.allSatisfy { $0["outcome"] as? String == "accepted" })
        let ids = Set(records.compactMap { $0["id"] as? Int })
        #expect(ids.count == count, "every acknowledged record has its own id")

        let store = try await status(set.store)
        #expect(store.counters["records"] == count, "each record stored exactly once")
        #expect(store.counters["changes"] == count, "no record was written twice")
        _ = try await set.stop()
    }

    @Test("Two ingest instances in front of one store work together without duplicates")
    func twoIngests() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest"])
        let secondEndpoint = try freeEndpoint()
        let second = try await set.startExtra("ingest", bind: secondEndpoint)
        let file = try temporaryFile("synthetic.jsonl", SyntheticRecords.jsonLines(0..<600))
        async let viaFirst = ldn(["submit", file, "--batch-size", "40", "--ingest", set.ingest])
        async let viaSecond = ldn(["submit", file, "--batch-size", "40", "--ingest", secondEndpoint])
        let (a, b) = try await (viaFirst, viaSecond)
        #expect(a.status == 0 && b.status == 0, "\(a.stderr)\(b.stderr)")
        let store = try await status(set.store)
        #expect(store.counters["records"] == 600 && store.counters["changes"] == 600)
        #expect(try await second.stop() == 0)
        _ = try await set.stop()
    }

    @Test("A client given several ingests spreads its batches over those that are up, and skips one that is down")
    func fanIn() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest"])
        let secondEndpoint = try freeEndpoint()
        let second = try await set.startExtra("ingest", bind: secondEndpoint)
        let both = "\(set.ingest),\(secondEndpoint)"
        let file = try temporaryFile("synthetic.jsonl", SyntheticRecords.jsonLines(0..<400))
        let load = try await ldn(["submit", file, "--batch-size", "20", "--in-flight", "4", "--ingest", both])
        #expect(load.status == 0 && load.stdout.contains("400 accepted"), "\(load.stdout)\(load.stderr)")
        for endpoint in [set.ingest, secondEndpoint] {
            let requests = try await status(endpoint).counters["records.accepted"] ?? 0
            #expect(requests > 0, "\(endpoint) took no batch")
        }

        #expect(try await second.stop() == 0)
        let more = try temporaryFile("more.jsonl", SyntheticRecords.jsonLines(400..<500))
        let withOneDown = try await ldn(["submit", more, "--batch-size", "20", "--ingest", both])
        #expect(withOneDown.status == 0 && withOneDown.stdout.contains("100 accepted"), "\(withOneDown.stdout)\(withOneDown.stderr)")
        #expect(try await status(set.store).counters["records"] == 500)
        _ = try await set.stop()
    }

    @Test("With the store down, ingest answers `unavailable` promptly instead of hanging, and keeps serving")
    func storeDown() async throws {
        let set = try await LocalSet.start(["ingest"], extraArguments: ["ingest": ["--store-timeout", "0.3"]])
        let file = try temporaryFile("one.jsonl", SyntheticRecords.jsonLines(0..<1))
        let started = ContinuousClock.now
        let result = try await ldn(["submit", file, "--retries", "0", "--timeout", "5", "--ingest", set.ingest])
        #expect(result.status == 2)
        // Nothing listens at the store's endpoint: ingest's socket monitor reports the refused attempt, no timeout needed.
        #expect(result.stderr.contains("ingest is up but cannot do this now: connection refused at \(set.store): nothing listens there"),
                "\(result.stderr)")
        // The message shows the refusal was reported (a timeout says otherwise); the bound leaves
        // room for a process start in the suite's loaded first minute.
        #expect(ContinuousClock.now - started < .seconds(9))
        #expect(try await status(set.ingest).service == "ingest")
        _ = try await set.stop()
    }

    @Test("Bad input gets its structured error and nothing else changes")
    func badInput() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest"],
                                           extraArguments: ["ingest": ["--max-message-bytes", "65536", "--max-batch-records", "5"]])
        func submit(_ records: [String], body: String = "{}") async throws -> Reply? {
            try await raw(set.ingest, [Data("LDN/1".utf8), Data("submit".utf8), Data(UUID().uuidString.utf8), Data(body.utf8)]
                                        + records.map { Data($0.utf8) })
        }
        let valid = String(decoding: SyntheticRecords.record(1).jsonData, as: UTF8.self)
        let mixed = try #require(try await submit([valid, #"{"title": "x", "titel": 1}"#, "{not json", #"{"title":"Dose","year":2020,"conditions":["ms"],"design":"rct","dose_mg":500}"#]))
        let answer = try mixed.decode(SubmitReply.self)
        #expect(answer.results.map(\.outcome) == [.accepted, .rejected, .rejected, .rejected])
        #expect(answer.results[1].errors?.contains(Problem(field: "titel", message: "unknown field (did you mean \"title\"?)")) == true)
        #expect(answer.results[2].errors?.first?.message.hasPrefix("invalid JSON:") == true)
        #expect(answer.results[3].errors?.map(\.field) == ["dose_mg"])

        let tooMany = try #require(try await submit(Array(repeating: valid, count: 6)))
        #expect(tooMany.errorBody.code == .tooLarge)
        // Two frames within the 64 KiB limit, over it together (a single larger frame gets no
        // answer: libzmq drops it with the connection, docs/PROTOCOL.md 2.3).
        let padded = String(repeating: " ", count: 35_000) + valid
        let tooBig = try #require(try await submit([padded, padded]))
        #expect(tooBig.errorBody.code == .tooLarge)
        let badBody = try #require(try await submit([valid], body: #"{"submiter": "x"}"#))
        #expect(badBody.errorBody.code == .invalidRequest && badBody.errorBody.message.contains("submiter"))
        let none = try #require(try await submit([]))
        #expect(none.errorBody.code == .invalidRequest)
        let extraProvenance = try #require(try await submit([valid], body: #"{"provenance": [{"line": 1}, {"line": 2}]}"#))
        #expect(extraProvenance.errorBody.code == .invalidRequest && extraProvenance.errorBody.details.first?.field == "provenance")
        // Within the limit as sent, over it as ingest writes it to the store (keys, hashes and
        // provenance added): refused here, instead of the store dropping ingest's connection.
        let small = (1...5).map { #"{"title":"SYNTHETIC \#($0)","year":2020,"conditions":["ms"],"design":"rct"}"# }
        func body(_ originalLength: Int) -> String {
            let original = String(repeating: "x", count: originalLength)
            return #"{"provenance":["# + (1...5).map { _ in #"{"original":"\#(original)"}"# }.joined(separator: ",") + "]}"
        }
        let envelope = "LDN/1".utf8.count + "submit".utf8.count + UUID().uuidString.utf8.count + small.reduce(0) { $0 + $1.utf8.count }
        let originalLength = (65_536 - 100 - envelope - body(0).utf8.count) / 5  // the submit lands just under the limit
        let grown = try #require(try await submit(small, body: body(originalLength)))
        #expect(grown.errorBody.code == .tooLarge && grown.errorBody.message.contains("for the store"), "\(grown.errorBody)")

        let store = try await status(set.store)
        #expect(store.counters["records"] == 1, "only the one valid record was stored")
        #expect(try await status(set.ingest).service == "ingest")
        _ = try await set.stop()
    }
}

@Suite("The store refuses to start on bad data, with one clear line", .serialized)
struct StoreStartupTests {
    @Test("A corrupt database file")
    func corrupt() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-corrupt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(repeating: 0x17, count: 4096).write(to: directory.appendingPathComponent("evidence.sqlite"))
        let store = try ServiceProcess("ldn-evidence-store", ["--bind", try freeEndpoint(), "--feed-bind", try freeEndpoint(),
                                                              "--data-dir", directory.path])
        #expect(try await store.waitForExit() == 1)
        let line = try await store.waitForLine("cannot start")
        #expect(line.contains("critical") && line.contains("file is not a database"), "\(line)")
        #expect(!store.log.contains { $0.contains("listening") }, "it never starts answering")
    }

    @Test("A read-only data directory")
    func readOnly() async throws {
        let readOnly = try ReadOnlyDirectory()
        let store = try ServiceProcess("ldn-evidence-store", ["--bind", try freeEndpoint(), "--feed-bind", try freeEndpoint(),
                                                              "--data-dir", readOnly.url.path])
        #expect(try await store.waitForExit() == 1)
        let line = try await store.waitForLine("cannot start")
        #expect(line.contains("is not writable"), "\(line)")
    }
}
