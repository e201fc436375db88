import ArgumentParser
import EvidenceStorage
import Foundation
import GRDB
import BenchmarkSupport
import Client
import SyntheticData
import TestHarness
import WireProtocol
import ZMQ

/// End-to-end durable intake (client → ingest → store, acknowledged, full validation)
/// against a raw SQLite baseline measured in the same run: the same rows into the same
/// tables and indexes, WAL + synchronous=FULL, 1000-row transactions, no ZeroMQ, no validation.
/// The end-to-end pass runs twice with identical settings, without and with CURVE on every
/// socket, and the two are compared (`--security`).
///
///     swift build -c release && .build/release/ldn-bench-intake
@main
struct IntakeBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ldn-bench-intake",
        abstract: "Measure durable intake throughput and acknowledgement latency against raw SQLite, without and with CURVE.")

    @Option(help: "Synthetic records to load.")
    var records = 100_000

    @Option(help: "Records per submit request.")
    var batchSize = 250

    @Option(help: "Submit requests in flight.")
    var inFlight = 6

    @Option(help: "End to end without CURVE (plain), with CURVE on every socket (curve), or both in turn (both; curve-first: the other order).")
    var security = SecurityChoice.both

    @Flag(help: "Only measure the per-record stages.")
    var stagesOnly = false

    struct EndToEnd {
        let throughput: Double
        let latencies: Measure.Latencies
        /// CPU per record, µs: the store, ingest and the client (this process during the load).
        let cpu: (store: Double, ingest: Double, client: Double)
    }

    func run() async throws {
        print("LDN intake benchmark — synthetic records (generated, not real studies)")
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB")
        let bodies = (0..<records).map { SyntheticRecords.record($0).jsonData }
        let meanSize = bodies.reduce(0) { $0 + $1.count } / bodies.count
        print("records: \(records), mean size \(meanSize) bytes")
        Stages.measure(bodies)
        if stagesOnly { return }

        let baseline = try RawSQLiteBaseline.measure(bodies)
        print(String(format: "baseline (raw SQLite, WAL+FULL, 1000-row transactions): %.0f records/s", baseline))

        var results: [SecurityPass: EndToEnd] = [:]
        for pass in security.passes {
            results[pass] = try await endToEnd(bodies, pass: pass, baseline: baseline)
        }
        if let plain = results[.plain], let curve = results[.curve] {
            let loss = (1 - curve.throughput / plain.throughput) * 100
            print(Compare.header)
            print(Compare.line("throughput", plain: plain.throughput, curve: curve.throughput, unit: "records/s", decimals: 0,
                               verdict: String(format: loss >= 0 ? "(%.1f %% lost; target ≤ 15 %%) " : "(%.1f %% gained; target: lose ≤ 15 %%) ",
                                                abs(loss)) + (loss <= 15 ? "✓" : "✗")))
            print(Compare.line("ack latency p50", plain: plain.latencies.p50, curve: curve.latencies.p50, unit: "ms", decimals: 1))
            print(Compare.line("ack latency p99", plain: plain.latencies.p99, curve: curve.latencies.p99, unit: "ms", decimals: 1))
            print(Compare.line("CPU per record, store", plain: plain.cpu.store, curve: curve.cpu.store, unit: "µs", decimals: 1))
            print(Compare.line("CPU per record, ingest", plain: plain.cpu.ingest, curve: curve.cpu.ingest, unit: "µs", decimals: 1))
            print(Compare.line("CPU per record, client", plain: plain.cpu.client, curve: curve.cpu.client, unit: "µs", decimals: 1))
        }
    }

    /// Every record through ingest into the store, with this pass's security; prints its figures.
    func endToEnd(_ bodies: [Data], pass: SecurityPass, baseline: Double) async throws -> EndToEnd {
        let set = try await pass.start(["evidence-store", "ingest"], environment: ["LDN_STATS_INTERVAL": "0"])
        let (storePID, ingestPID) = (set.process("evidence-store")!.pid, set.process("ingest")!.pid)
        let cpuBefore = (Measure.cpuSeconds(storePID), Measure.cpuSeconds(ingestPID), Measure.ownCPUSeconds())
        let result = try await Measure.load(bodies, ingest: set.ingest, batchSize: batchSize, inFlight: inFlight,
                                            security: try pass.client(set, to: "ingest"))
        let perRecord = 1e6 / Double(records)
        let cpu = ((Measure.cpuSeconds(storePID) - cpuBefore.0) * perRecord, (Measure.cpuSeconds(ingestPID) - cpuBefore.1) * perRecord,
                   (Measure.ownCPUSeconds() - cpuBefore.2) * perRecord)
        let store = try await status(set.store, security: try pass.admin(set, to: "evidence-store"))
        let (storeMB, ingestMB) = (Measure.peakMemoryMB(storePID), Measure.peakMemoryMB(ingestPID))
        let keys = pass.keysLine(set)
        _ = try await set.stop()

        print("end to end, \(pass.title) (ldn client → ingest → store, validation on, acknowledged after commit):")
        print("  \(keys)")
        print(String(format: "  throughput        %.0f records/s", result.throughput))
        print(String(format: "  ratio to baseline %.1f %% (target ≥ 75 %%)", result.throughput / baseline * 100))
        print(String(format: "  ack latency       p50 %.1f ms, p99 %.1f ms, max %.1f ms (target p99 < 100 ms)",
                     result.latencies.p50, result.latencies.p99, result.latencies.sorted.last ?? 0))
        print("  configuration     batch \(batchSize) records, \(inFlight) requests in flight "
              + "(\(batchSize * inFlight) records in flight), "
              + String(format: "%.0f records per commit over %d commits", store.gauges?["mean_batch_size"] ?? 0,
                       store.counters["commit_batches"] ?? 0))
        print(String(format: "  peak memory       store %.0f MB, ingest %.0f MB", storeMB, ingestMB))
        print(String(format: "  CPU per record    store %.1f µs, ingest %.1f µs, client %.1f µs (every thread)", cpu.0, cpu.1, cpu.2))
        print(result.accepted == records ? "  check             all \(records) records accepted once"
                                         : "  check FAILED      \(result.accepted) of \(records) accepted"
                                           + (result.firstError.map { "; first error reply: \($0)" } ?? ""))
        if result.accepted != records { throw ExitCode(1) }
        return EndToEnd(throughput: result.throughput, latencies: result.latencies, cpu: cpu)
    }
}
