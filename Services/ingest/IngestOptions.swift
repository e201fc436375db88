import ArgumentParser
import ServiceKit

struct IngestOptions: ParsableArguments {
    @Option(help: "Where to take submissions (env LDN_INGEST_BIND).")
    var bind = Setting.string("LDN_INGEST_BIND", default: DefaultEndpoint.ingest)

    @Option(help: "The evidence-store's request endpoint (env LDN_STORE_ENDPOINT).")
    var store = Setting.string("LDN_STORE_ENDPOINT", default: DefaultEndpoint.storeRequests)
}
