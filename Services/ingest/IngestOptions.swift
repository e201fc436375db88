import ArgumentParser
import ServiceKit

struct IngestOptions: ParsableArguments {
    @Option(help: "Where to take submissions (env LDN_INGEST_BIND).")
    var bind = Setting.string("LDN_INGEST_BIND", default: DefaultEndpoint.ingest)

    @Option(help: "The evidence-store's request endpoint (env LDN_STORE_ENDPOINT).")
    var store = Setting.string("LDN_STORE_ENDPOINT", default: DefaultEndpoint.storeRequests)

    @Option(help: "Most records accepted in one submit request (env LDN_INGEST_MAX_BATCH).")
    var maxBatchRecords = Setting.int("LDN_INGEST_MAX_BATCH", default: 2000)

    @Option(help: "Seconds to wait for the store per attempt; 3 attempts, then `unavailable` (env LDN_INGEST_STORE_TIMEOUT).")
    var storeTimeout = Setting.double("LDN_INGEST_STORE_TIMEOUT", default: 1.5)

    func validate() throws {
        guard maxBatchRecords >= 1 else { throw ValidationError("--max-batch-records must be at least 1") }
        guard storeTimeout > 0 else { throw ValidationError("--store-timeout must be above 0") }
    }
}
