import ServiceKit
import ServiceLifecycle

/// Builds the query service's services from its options; the command and the tests both call it.
func makeQuery(_ options: QueryOptions, _ runtime: ServiceRuntime) async throws -> [any Service] {
    var routes = Routes()
    routes.addStatus(runtime.state)
    return [try await RequestServer(endpoint: options.bind, runtime: runtime, routes: routes)]
}
