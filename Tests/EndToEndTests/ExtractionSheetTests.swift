import Foundation
import TestHarness
import Testing

/// examples/extraction-sheet.csv (SYNTHETIC studies) through the real client and services.
@Suite("Extraction sheets through the real services", .serialized)
struct ExtractionSheetTests {
    static let sheet = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/extraction-sheet.csv").path

    @Test("--dry-run shows which rows made each record, and a bad cell by its line and column")
    func dryRun() async throws {
        // No service is running: a dry run that tried to send would fail with exit status 2.
        let run = try await ldn(["submit", "--dry-run", Self.sheet, "--ingest", "tcp://127.0.0.1:9"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("extraction-sheet.csv line 2 (record 1): SYNTHETIC example A"), "\(run.stdout)")
        #expect(run.stdout.contains("one record from the rows on lines 2, 3 (2 outcomes from the outcome columns)"))
        #expect(run.stdout.contains("Dry run: 4 records read, 4 valid, 0 for review, 0 rejected; nothing was sent."))

        let bad = try temporaryFile("bad-sheet.csv", """
            title,year,conditions,design,outcome,direction,benefit,t_n,t_mean,t_sd,c_n,c_mean,c_sd
            SYNTHETIC bad sheet,2020,fibromyalgia,rct,pain,improved,lower,20,4.1,1.9,20,5.0,2.0
            ,,,,fatigue,improved,lower,20,3.0,abc,20,3.5,0

            """)
        let rejected = try await ldn(["submit", "--dry-run", bad, "--ingest", "tcp://127.0.0.1:9"])
        #expect(rejected.status == 1)
        #expect(rejected.stdout.contains("→ rejected: t_sd on line 3: expected a number, found \"abc\""), "\(rejected.stdout)")
    }

    @Test("The sheet loads as four records; exported as CSV it loads back unchanged; escalc has a row per outcome",
          .timeLimit(.minutes(4)))
    func loadAndExport() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest", "query"])
        let loaded = try await ldn(["submit", Self.sheet, "--ingest", set.ingest])
        #expect(loaded.status == 0 && loaded.stdout.contains("4 accepted"), "\(loaded.stdout)\(loaded.stderr)")
        _ = try await waitUntilCaughtUp(set.query, store: set.store)

        let csv = FileManager.default.temporaryDirectory.appendingPathComponent("sheet-export-\(UUID().uuidString).csv").path
        let exported = try await ldn(["export", "--format", "csv", "-o", csv, "--query", set.query])
        #expect(exported.stderr.contains("exported 4 studies as csv"), "\(exported.stderr)")
        let again = try await ldn(["submit", csv, "--ingest", set.ingest])
        #expect(again.stdout.contains("0 accepted, 4 duplicate, 0 updated, 0 rejected"), "\(again.stdout)\(again.stderr)")

        let escalc = try await ldn(["export", "--format", "escalc", "--query", set.query])
        #expect(escalc.status == 0, "\(escalc.stderr)")
        let lines = escalc.stdout.split(separator: "\r\n")
        #expect(lines.first?.hasPrefix("key,study,conditions,outcome,instrument,timepoint_weeks,design,measure,yi,vi,") == true)
        #expect(lines.count == 7, "a header and six outcomes: \(escalc.stdout)")
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("doi:10.5555/ldn-synthetic-sheet-") })

        let wrong = try await ldn(["export", "--format", "csv", "--measure", "RR", "--query", set.query])
        #expect(wrong.status == 64 && wrong.stderr.contains("--measure is for --format escalc"), "\(wrong.stderr)")
        _ = try await set.stop()
    }
}
