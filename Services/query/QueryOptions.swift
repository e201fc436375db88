import ArgumentParser
import ServiceKit

struct QueryOptions: ParsableArguments {
    @Option(help: "Where to answer queries (env LDN_QUERY_BIND).")
    var bind = Setting.string("LDN_QUERY_BIND", default: DefaultEndpoint.query)

    @Option(help: "The evidence-store's request endpoint, for snapshots and catch-up (env LDN_STORE_ENDPOINT).")
    var store = Setting.string("LDN_STORE_ENDPOINT", default: DefaultEndpoint.storeRequests)

    @Option(help: "The evidence-store's change feed (env LDN_STORE_FEED_ENDPOINT).")
    var feed = Setting.string("LDN_STORE_FEED_ENDPOINT", default: DefaultEndpoint.storeFeed)

    @Option(help: ArgumentHelp(
        "Start a new replica (one with no position) from a database image of a ready peer replica (env LDN_QUERY_IMAGE_FROM).",
        discussion: "One or more query endpoints, comma-separated; a name with several addresses (tasks.query) is tried at each. Empty: load the store's snapshot record by record, which is also the fallback when no image can be had."))
    var imageFrom = Setting.string("LDN_QUERY_IMAGE_FROM", default: "")

    @Option(help: "Folder for this replica's own copy (env LDN_DATA_DIR).")
    var dataDir = Setting.string("LDN_DATA_DIR", default: DefaultEndpoint.dataDirectory)
}
