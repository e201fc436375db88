import ServiceKit
import ServiceLifecycle

/// Builds the ingest service's services from its options; the command and the tests both call it.
func makeIngest(_ options: IngestOptions, _ runtime: ServiceRuntime) throws -> [any Service] {
    var routes = Routes()
    routes.addStatus(runtime.state)
    return [RequestServer(endpoint: options.bind, runtime: runtime, routes: routes)]
}
