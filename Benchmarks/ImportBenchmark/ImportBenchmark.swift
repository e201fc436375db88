import ArgumentParser
import BenchmarkSupport
import EvidenceFormats
import Foundation
import SyntheticData
import TestHarness

/// Importing a 10 000-record MEDLINE file, next to the same records as JSON Lines (the
/// project's own form, read with no mapping) measured in the same run: reading and mapping
/// in-process, then `ldn submit` end to end into a fresh store through ingest.
///
///     swift build -c release && .build/release/ldn-bench-import
@main
struct ImportBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ldn-bench-import", abstract: "Measure MEDLINE import speed against JSON Lines.")

    @Option(help: "Synthetic records in each file.")
    var records = 10_000

    @Option(help: "Repetitions of the in-process read, the best one counts.")
    var repetitions = 3

    @Option(help: "Only write the synthetic MEDLINE file to this path, for trying things by hand.")
    var writeSynthetic: String?

    func run() async throws {
        if let path = writeSynthetic {
            return try Data(SyntheticMedline.text(0..<records).utf8).write(to: URL(fileURLWithPath: path))
        }
        print("LDN import benchmark — synthetic records (generated, not real studies)")
        let medline = try temporaryFile("synthetic.nbib", SyntheticMedline.text(0..<records))
        let jsonl = try temporaryFile("synthetic.jsonl", SyntheticRecords.jsonLines(0..<records))
        for (name, path) in [("MEDLINE", medline), ("JSON Lines", jsonl)] {
            let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            print(String(format: "%@ file: %d records, %.1f MB", name, records, Double(bytes) / 1e6))
        }

        print("read and map in-process (SourceFile.read, best of \(repetitions)):")
        let medlineRead = try best { try SourceFile.read(path: medline).records.count }
        let jsonlRead = try best { try SourceFile.read(path: jsonl).records.count }
        print(String(format: "  JSON Lines (baseline): %.3f s, %.0f records/s", jsonlRead, Double(records) / jsonlRead))
        print(String(format: "  MEDLINE: %.3f s, %.0f records/s (%.1f× the baseline's time)",
                     medlineRead, Double(records) / medlineRead, medlineRead / jsonlRead))

        print("ldn submit end to end into a fresh store (ingest validates, store commits):")
        let jsonlSubmit = try await submit(jsonl)
        let medlineSubmit = try await submit(medline)
        print(String(format: "  JSON Lines (baseline): %.2f s, %.0f records/s", jsonlSubmit, Double(records) / jsonlSubmit))
        print(String(format: "  MEDLINE: %.2f s, %.0f records/s (%.0f %% of the baseline's rate)",
                     medlineSubmit, Double(records) / medlineSubmit, 100 * jsonlSubmit / medlineSubmit))
    }

    func best(_ work: () throws -> Int) throws -> Double {
        var times: [Double] = []
        for _ in 0..<repetitions {
            let started = ContinuousClock.now
            guard try work() == records else { throw ValidationError("the file did not read back \(records) records") }
            times.append((ContinuousClock.now - started).seconds)
        }
        return times.min()!
    }

    /// Wall time of `ldn submit FILE` into a fresh store; every record must be accepted.
    func submit(_ path: String) async throws -> Double {
        let set = try await LocalSet.start(["evidence-store", "ingest"], environment: ["LDN_STATS_INTERVAL": "0"])
        let started = ContinuousClock.now
        let run = try await ldn(["submit", path, "--ingest", set.ingest])
        let elapsed = (ContinuousClock.now - started).seconds
        guard run.stdout.contains("\(records) accepted") else {
            set.killAll()
            throw ValidationError("not every record was accepted: \(run.stdout)\(run.stderr.prefix(2000))")
        }
        _ = try await set.stop()
        return elapsed
    }
}
