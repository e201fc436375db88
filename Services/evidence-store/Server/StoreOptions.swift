import ArgumentParser
import ServiceKit

struct StoreOptions: ParsableArguments {
    @Option(help: "Where to answer requests (env LDN_STORE_BIND).")
    var bind = Setting.string("LDN_STORE_BIND", default: DefaultEndpoint.storeRequests)

    @Option(help: "Where to publish the change feed (env LDN_STORE_FEED_BIND).")
    var feedBind = Setting.string("LDN_STORE_FEED_BIND", default: DefaultEndpoint.storeFeed)

    @Option(help: "Folder for the database (env LDN_DATA_DIR).")
    var dataDir = Setting.string("LDN_DATA_DIR", default: DefaultEndpoint.dataDirectory)

    @Option(help: "Most records committed in one transaction (group commit) (env LDN_STORE_MAX_BATCH).")
    var maxBatchRecords = Setting.int("LDN_STORE_MAX_BATCH", default: 4000)

    @Option(help: "Hours a request id is remembered, so a retry within them changes nothing (env LDN_STORE_REQUEST_RETENTION_HOURS).")
    var requestRetentionHours = Setting.int("LDN_STORE_REQUEST_RETENTION_HOURS", default: 7 * 24)

    @Option(help: "Seconds between prunes of request ids older than the retention (env LDN_STORE_PRUNE_INTERVAL_SECONDS).")
    var pruneIntervalSeconds = Setting.int("LDN_STORE_PRUNE_INTERVAL_SECONDS", default: 3600)

    @Option(help: "Feed messages queued per subscriber before the feed drops for it (env LDN_STORE_FEED_HWM).")
    var feedHighWaterMark = Setting.int("LDN_STORE_FEED_HWM", default: 50_000)

    static let maximumRetentionHours = 24 * 366 * 10

    func validate() throws {
        guard maxBatchRecords >= 1 else { throw ValidationError("--max-batch-records must be at least 1") }
        guard (1...Self.maximumRetentionHours).contains(requestRetentionHours) else {
            throw ValidationError("--request-retention-hours must be between 1 and \(Self.maximumRetentionHours) (10 years)")
        }
        guard (1...86_400).contains(pruneIntervalSeconds) else {
            throw ValidationError("--prune-interval-seconds must be between 1 and 86400 (a day)")
        }
        guard feedHighWaterMark >= 1 else { throw ValidationError("--feed-high-water-mark must be at least 1") }
    }
}
