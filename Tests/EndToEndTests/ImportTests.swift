import EvidenceModel
import Foundation
import TestHarness
import Testing
import WireProtocol

/// The hand-written fixtures of the format tests (real studies from the reference list).
func fixture(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("EvidenceFormatsTests/Fixtures/\(name)").path
}

/// Each record's outcome and id from `ldn submit --json`.
func submitted(_ run: ClientRun) throws -> [(outcome: String, id: Int64?)] {
    let document = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stderr)")
    return (document["records"] as? [[String: Any]] ?? []).map { ($0["outcome"] as? String ?? "", ($0["id"] as? Int).map(Int64.init)) }
}

@Suite("Importing bibliographic files through the real services", .serialized)
struct ImportTests {
    @Test("The same study as RIS, then PubMed XML, then MEDLINE is one record, and keeps its original text")
    func oneStudyThreeFormats() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest", "query"])
        var smith: Set<Int64> = []
        for file in ["pubmed-export.ris", "pubmed-efetch.xml", "pubmed-export.nbib"] {
            let run = try await ldn(["submit", fixture(file), "--allow-partial", "--json", "--ingest", set.ingest])
            #expect(run.status == 0, "\(file): \(run.stderr)")
            let results = try submitted(run)
            #expect(results.count == 3 && !results.contains { $0.outcome == "rejected" }, "\(file): \(results)")
            if let id = results.first?.id { smith.insert(id) }  // Smith 2011 is the first record of each file
        }
        #expect(smith.count == 1, "Smith 2011 became \(smith.count) records")
        // RIS: Smith 2011, Bruun 2024, Raknes 2017; XML adds Lie 2018; MEDLINE adds Smith 2007.
        let store = try await status(set.store)
        #expect(store.counters["records"] == 5)
        #expect(store.counters["needs_review"] == 3, "Raknes, Lie and Smith 2007 carry no design the import can read")

        let shown = try await ldn(["get", "21380937", "--original", "--query", set.query])
        #expect(shown.stdout.contains("Randomised controlled trial"))
        #expect(shown.stdout.contains("original (medline)") && shown.stdout.contains("PMID- 21380937"), "\(shown.stdout)")
        _ = try await set.stop()
    }

    @Test("--dry-run shows the mapping with line numbers and sends nothing")
    func dryRun() async throws {
        // No service is running: a dry run that tried to send would fail with exit status 2.
        let run = try await ldn(["submit", "--dry-run", fixture("pubmed-efetch.xml"), "--ingest", "tcp://127.0.0.1:9"])
        #expect(run.status == 1, "one record is rejected: no design")
        #expect(run.stdout.contains("pubmed-efetch.xml line 4 (record 1): Therapy with the opioid antagonist"))
        #expect(run.stdout.contains("inferred   design rct from publication type \"Randomized Controlled Trial\""))
        #expect(run.stdout.contains("→ rejected: design: could not be determined"))
        #expect(run.stdout.contains("Dry run: 3 records read, 2 valid, 0 for review, 1 rejected; nothing was sent."))
    }

    @Test("A malformed file stops the load before anything is sent, with its line")
    func nothingHalfLoaded() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest"])
        for broken in ["truncated.xml", "no-er.ris"] {
            let run = try await ldn(["submit", fixture("pubmed-export.nbib"), fixture(broken), "--ingest", set.ingest])
            #expect(run.status == 2, "\(broken)")
            #expect(run.stderr.contains("\(broken) line ") && run.stderr.contains("nothing was sent"), "\(run.stderr)")
        }
        #expect(try await status(set.store).counters["records"] == 0)
        _ = try await set.stop()
    }

    @Test("A registry entry and a paper on one trial are two linked reports; summaries count the study once; review status")
    func reportsOfOneStudy() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest", "query"])
        // SYNTHETIC: a made-up trial (NCT00000000, DOIs under the 10.5555 test prefix), so no fact is invented about a real one.
        let registry = try temporaryFile("registry.json", """
            {"protocolSection": {
              "identificationModule": {"nctId": "NCT00000000", "briefTitle": "SYNTHETIC trial of low-dose naltrexone in fibromyalgia"},
              "statusModule": {"startDateStruct": {"date": "2020-01"}},
              "conditionsModule": {"conditions": ["Fibromyalgia"]},
              "designModule": {"studyType": "INTERVENTIONAL", "designInfo": {"allocation": "RANDOMIZED", "interventionModel": "PARALLEL"},
                               "enrollmentInfo": {"count": 60, "type": "ACTUAL"}}}}
            """)
        let papers = try temporaryFile("papers.ris", """
            TY  - JOUR
            TI  - SYNTHETIC results of a randomized trial of low-dose naltrexone in fibromyalgia
            PY  - 2022
            DO  - 10.5555/ldn-synthetic-1
            N1  - ClinicalTrials.gov NCT00000000
            KW  - Fibromyalgia
            ER  -\u{20}
            TY  - JOUR
            TI  - SYNTHETIC pilot of low-dose naltrexone
            PY  - 2023
            DO  - 10.5555/ldn-synthetic-2
            KW  - Fibromyalgia
            ER  -\u{20}

            """)
        #expect(try await ldn(["submit", registry, "--ingest", set.ingest]).status == 0)
        let loaded = try await ldn(["submit", papers, "--allow-partial", "--ingest", set.ingest])
        #expect(loaded.stdout.contains("2 accepted"), "\(loaded.stdout)\(loaded.stderr)")

        let trial = try await ldn(["get", "NCT00000000", "--query", set.query])
        #expect(trial.stdout.contains("other reports of this study"), "\(trial.stdout)")
        #expect(trial.stdout.contains("2022 rct SYNTHETIC results of a randomized trial"))

        _ = try await waitUntilCaughtUp(set.query, store: set.store)
        func summary() async throws -> [String: Any] {
            let run = try await ldn(["summary", "fibromyalgia", "--json", "--query", set.query])
            return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stderr)")
        }
        #expect(try await summary()["studies"] as? Int == 1, "two reports of one trial; the pilot waits for review")

        let listed = try await ldn(["query", "--condition", "fibromyalgia", "--query", set.query])
        #expect(!listed.stdout.contains("SYNTHETIC pilot"))
        let withReview = try await ldn(["query", "--condition", "fibromyalgia", "--include-needs-review", "--query", set.query])
        #expect(withReview.stdout.contains("(needs-review)") && withReview.stdout.contains("SYNTHETIC pilot"), "\(withReview.stdout)")
        let pilot = try await ldn(["get", "10.5555/ldn-synthetic-2", "--query", set.query])
        #expect(pilot.stdout.contains("needs-review") && pilot.stdout.contains("to review"), "\(pilot.stdout)")

        // A reviewer completes the record: a new version, no longer waiting for review.
        let complete = try temporaryFile("complete.json", """
            {"title": "SYNTHETIC pilot of low-dose naltrexone", "year": 2023, "identifiers": {"doi": "10.5555/ldn-synthetic-2"},
             "conditions": ["fibromyalgia"], "design": "open-label"}
            """)
        #expect(try await ldn(["submit", complete, "--ingest", set.ingest]).stdout.contains("1 updated"))
        #expect(try await ldn(["get", "10.5555/ldn-synthetic-2", "--query", set.query]).stdout.contains("version 2 · active"))
        _ = try await waitUntilCaughtUp(set.query, store: set.store)
        #expect(try await summary()["studies"] as? Int == 2)
        _ = try await set.stop()
    }

    @Test("Exports load back unchanged (JSON Lines, CSV); the FHIR Bundle validates")
    func exports() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest", "query"])
        let dataset = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("data/ldn-evidence.jsonl").path
        #expect(try await ldn(["submit", dataset, "--ingest", set.ingest]).stdout.contains("24 accepted"))
        // A PubMed export of studies already curated changes none of them.
        let imported = try await ldn(["submit", fixture("pubmed-efetch.xml"), "--allow-partial", "--ingest", set.ingest])
        #expect(imported.stdout.contains("0 accepted, 3 duplicate, 0 updated, 0 rejected"), "\(imported.stdout)")
        #expect(imported.stderr.contains("stored as a curated record"), "\(imported.stderr)")
        _ = try await waitUntilCaughtUp(set.query, store: set.store)

        for format in ["jsonl", "csv"] {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).\(format)").path
            let export = try await ldn(["export", "--format", format, "-o", file, "--query", set.query])
            #expect(export.stderr.contains("exported 24 studies as \(format)"), "\(export.stderr)")
            let again = try await ldn(["submit", file, "--ingest", set.ingest])
            #expect(again.stdout.contains("0 accepted, 24 duplicate, 0 updated, 0 rejected"), "\(format): \(again.stdout)\(again.stderr)")
        }

        let crohns = try await ldn(["export", "--format", "fhir", "--condition", "crohns", "--query", set.query])
        let bundle = try #require(try JSONSerialization.jsonObject(with: Data(crohns.stdout.utf8)) as? [String: Any])
        #expect(bundle["resourceType"] as? String == "Bundle")
        let file = try temporaryFile("bundle.json", crohns.stdout)
        let validator = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/validate_fhir.py").path
        let checked = try await run("/usr/bin/env", ["python3", validator, file])
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        #expect(checked.stdout.contains("valid FHIR R5 Bundle"))
        _ = try await set.stop()
    }
}
