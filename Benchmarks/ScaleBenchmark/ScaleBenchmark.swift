import ArgumentParser
import BenchmarkSupport
import Foundation

/// The cost curve (issue 18): every cost measured at 10 000, 100 000 and 1 000 000 SYNTHETIC
/// records, each size on a fresh set of real release services, and printed as one table with
/// the growth from each size to the next.
///
///     swift build -c release && .build/release/ldn-bench-scale
///     .build/release/ldn-bench-scale --sizes 1000000     (the largest row alone)
@main
struct ScaleBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ldn-bench-scale",
        abstract: "Measure how intake, reads, a fresh replica, memory and disk grow with the number of records.")

    @Option(parsing: .upToNextOption, help: "Numbers of synthetic records, each measured on a fresh set.")
    var sizes = [10_000, 100_000, 1_000_000]

    @Option(help: "Requests per latency figure (a quarter of them for the common-word search).")
    var requests = 1000

    @Option(help: "Changes after each of which a summary and a synthesis are asked afresh.")
    var freshRounds = 30

    @Flag(inversion: .prefixedNo, help: "Also start a replica from another's image (--no-image: services built before images).")
    var image = true

    @Flag(help: "Keep each size's data folders (store, replicas, notifier) and print where, for study after the run.")
    var keepData = false

    func validate() throws {
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 >= 1000 }) else { throw ValidationError("--sizes: each at least 1000") }
        guard requests >= 4, freshRounds >= 1 else { throw ValidationError("--requests at least 4, --fresh-rounds at least 1") }
    }

    func run() async throws {
        lineBufferedOutput()
        print("LDN scale benchmark — synthetic records (generated, not real studies)")
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB")
        var rows: [ScaleFigures] = []
        for size in sizes.sorted() {
            rows.append(try await ScaleRun(records: size, requests: requests, freshRounds: freshRounds, withImage: image, keepData: keepData).measure())
        }
        print("load average at the end: \(Measure.loadAverage())")
        print(ScaleTable(rows).text)
    }
}
