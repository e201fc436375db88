import ArgumentParser
import Foundation
import Client
import ServiceKit

/// The services a command may talk to. Each option takes a comma-separated list, so that
/// several replicas can be named.
struct ServiceEndpoints: ParsableArguments {
    @Option(help: "Ingest endpoint(s) (env LDN_INGEST_ENDPOINT).")
    var ingest = ServiceName.ingest.configuredEndpoint

    @Option(help: "Evidence-store endpoint(s) (env LDN_STORE_ENDPOINT).")
    var store = ServiceName.store.configuredEndpoint

    @Option(help: "Query endpoint(s) (env LDN_QUERY_ENDPOINT).")
    var query = ServiceName.query.configuredEndpoint

    @Option(help: "Notifier endpoint(s) (env LDN_NOTIFIER_ENDPOINT).")
    var notifier = ServiceName.notifier.configuredEndpoint

    /// Every (service, endpoint) pair, in the order data flows through the set.
    var all: [(service: ServiceName, endpoint: String)] {
        [(ServiceName.ingest, ingest), (.store, store), (.query, query), (.notifier, notifier)]
            .flatMap { service, list in Connection.endpoints(in: list).map { (service, $0) } }
    }
}
