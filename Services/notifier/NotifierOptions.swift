import ArgumentParser
import ServiceKit

struct NotifierOptions: ParsableArguments {
    @Option(help: "Where to answer watch requests (env LDN_NOTIFIER_BIND).")
    var bind = Setting.string("LDN_NOTIFIER_BIND", default: DefaultEndpoint.notifierRequests)

    @Option(help: "Where to publish matches for `ldn watch follow` (env LDN_NOTIFIER_STREAM_BIND).")
    var streamBind = Setting.string("LDN_NOTIFIER_STREAM_BIND", default: DefaultEndpoint.notifierStream)

    @Option(help: "The evidence-store's request endpoint (env LDN_STORE_ENDPOINT).")
    var store = Setting.string("LDN_STORE_ENDPOINT", default: DefaultEndpoint.storeRequests)

    @Option(help: "The evidence-store's change feed (env LDN_STORE_FEED_ENDPOINT).")
    var feed = Setting.string("LDN_STORE_FEED_ENDPOINT", default: DefaultEndpoint.storeFeed)

    @Option(help: "Folder for watches and delivery cursors (env LDN_DATA_DIR).")
    var dataDir = Setting.string("LDN_DATA_DIR", default: DefaultEndpoint.dataDirectory)
}
