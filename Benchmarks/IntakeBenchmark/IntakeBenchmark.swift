import ArgumentParser
import EvidenceStorage
import Foundation
import GRDB
import LDNClient
import SyntheticData
import TestHarness
import WireProtocol
import ZMQ

/// End-to-end durable intake (client → ingest → store → acknowledged, full validation)
/// against a raw SQLite baseline measured in the same run: the same rows into the same
/// tables and indexes, WAL + synchronous=FULL, 1000-row transactions, no ZeroMQ, no validation.
///
///     swift build -c release && .build/release/ldn-bench-intake
@main
struct IntakeBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ldn-bench-intake",
        abstract: "Measure durable intake throughput and acknowledgement latency against raw SQLite.")

    @Option(help: "Synthetic records to load.")
    var records = 100_000

    @Option(help: "Records per submit request.")
    var batchSize = 250

    @Option(help: "Submit requests in flight.")
    var inFlight = 6

    @Flag(help: "Only measure the per-record stages.")
    var stagesOnly = false

    func run() async throws {
        print("LDN intake benchmark — synthetic records (generated, not real studies)")
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB")
        let bodies = (0..<records).map { SyntheticRecords.record($0).jsonData }
        let meanSize = bodies.reduce(0) { $0 + $1.count } / bodies.count
        print("records: \(records), mean size \(meanSize) bytes")
        Stages.measure(bodies)
        if stagesOnly { return }

        let baseline = try Baseline.measure(bodies)
        print(String(format: "baseline (raw SQLite, WAL+FULL, 1000-row transactions): %.0f records/s", baseline))

        let result = try await EndToEnd.measure(bodies, batchSize: batchSize, inFlight: inFlight)
        let ratio = result.throughput / baseline
        print("end to end (ldn client → ingest → store, validation on, acknowledged after commit):")
        print(String(format: "  throughput        %.0f records/s", result.throughput))
        print(String(format: "  ratio to baseline %.1f %% (target ≥ 75 %%)", ratio * 100))
        print(String(format: "  ack latency       p50 %.1f ms, p99 %.1f ms, max %.1f ms (target p99 < 100 ms)",
                     result.p50, result.p99, result.max))
        print("  configuration     batch \(batchSize) records, \(inFlight) requests in flight "
              + "(\(batchSize * inFlight) records in flight), "
              + String(format: "%.0f records per commit over %d commits", result.meanCommit, result.commits))
        print(String(format: "  peak memory       store %.0f MB, ingest %.0f MB", result.storeMB, result.ingestMB))
        print(result.accepted == records ? "  check             all \(records) records accepted once"
                                         : "  check FAILED      \(result.accepted) of \(records) accepted")
        if result.accepted != records { throw ExitCode(1) }
    }
}
