import Client
import ServiceKit
import ServiceLifecycle
import WireProtocol

/// Builds ingest's services from its options; the command and the tests both call it.
func makeIngest(_ options: IngestOptions, _ runtime: ServiceRuntime) async throws -> [any Service] {
    let store = try await ServiceClient(endpoint: options.store, name: "ingest-store", attemptTimeout: .seconds(options.storeTimeout),
                                        context: runtime.context, logger: runtime.logger,
                                        security: try runtime.security.clientOptions(to: "evidence-store"))
    var routes = Routes()
    // Whether the store link is up now: heartbeats drop it within seconds when the store goes silent.
    routes.addStatus(runtime.state) { status in status.gauges = ["store_connected": store.isConnected ? 1 : 0] }
    runtime.metrics.gauge(MetricName.ingestStoreConnected) { store.isConnected ? 1 : 0 }
    runtime.state.stats.declare(RecordOutcome.allCases.map { "records.\($0.rawValue)" })
    IngestRoutes(store: store, maxBatchRecords: options.maxBatchRecords, maxMessageBytes: runtime.options.maxMessageBytes,
                 stats: runtime.state.stats).add(to: &routes)
    let server = try await RequestServer(endpoint: options.bind, runtime: runtime, routes: routes)
    runtime.logger.info("forwarding to the store", metadata: ["endpoint": "\(options.store)"])
    // Shut down in reverse: stop taking submissions and finish them while the store link is still up.
    return [store, server]
}
