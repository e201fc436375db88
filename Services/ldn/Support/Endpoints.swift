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

    @Option(help: "Harvester endpoint(s) (env LDN_HARVESTER_ENDPOINT); the harvester is asked when this or the variable is set, or when named with --service.")
    var harvester: String?

    /// Where the harvester is, when the user said (flag or variable): it is an optional part of the set.
    var configuredHarvester: String? {
        harvester ?? ProcessInfo.processInfo.environment[ServiceName.harvester.variable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Every (service, endpoint) pair, in the order data flows through the set; the harvester
    /// last, when it is configured or `includingHarvester`.
    func all(includingHarvester: Bool = false) -> [(service: ServiceName, endpoint: String)] {
        let harvester = configuredHarvester ?? (includingHarvester ? ServiceName.harvester.defaultEndpoint : nil)
        return ([(ServiceName.ingest, ingest), (.store, store), (.query, query), (.notifier, notifier)] + (harvester.map { [(.harvester, $0)] } ?? []))
            .flatMap { service, list in Connection.endpoints(in: list).map { (service, $0) } }
    }

    var all: [(service: ServiceName, endpoint: String)] { all() }
}
