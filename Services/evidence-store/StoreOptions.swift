import ArgumentParser
import ServiceKit

struct StoreOptions: ParsableArguments {
    @Option(help: "Where to answer requests (env LDN_STORE_BIND).")
    var bind = Setting.string("LDN_STORE_BIND", default: DefaultEndpoint.storeRequests)

    @Option(help: "Folder for the database (env LDN_DATA_DIR).")
    var dataDir = Setting.string("LDN_DATA_DIR", default: DefaultEndpoint.dataDirectory)
}
