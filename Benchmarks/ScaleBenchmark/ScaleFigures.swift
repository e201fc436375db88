import BenchmarkSupport

/// Everything the scale benchmark measures at one size.
struct ScaleFigures: Sendable {
    let records: Int
    /// Records per second: the raw SQLite baseline, and end to end through ingest into the store.
    let baseline: Double, intake: Double
    let ack: Measure.Latencies
    /// Seconds from starting an empty replica until it has applied everything the store holds,
    /// by the store's snapshot (records re-applied).
    let freshReplica: Double
    /// The same from a ready replica's database image, next to a raw copy of its bytes
    /// (nil with `--no-image`, for services built before images).
    let image: ImageStartBenchmark.Figures?
    let filtered: Measure.Latencies, selectiveSearch: Measure.Latencies, commonWordSearch: Measure.Latencies
    let summaryCached: Measure.Latencies, summaryFresh: Measure.Latencies
    let synthesizeCached: Measure.Latencies, synthesizeFresh: Measure.Latencies
    /// How many records the searches matched (the first request of each), for reading their times.
    let selectiveMatches: Int, commonWordMatches: Int
    /// Seconds until a synthesis watch added after the load has read the store's log.
    let synthesisWatchReady: Double
    /// Peak resident memory, MB.
    let storeMB: Double, queryMB: Double, notifierMB: Double
    /// Bytes on disk: the store's data folder (database, WAL, side files) and the replica's.
    let storeBytes: Int64, replicaBytes: Int64
}
