import ServiceKit
import ServiceLifecycle

/// Builds the query service's services from its options; the command and the tests both call it.
func makeQuery(_ options: QueryOptions, _ runtime: ServiceRuntime) throws -> [any Service] {
    var routes = Routes()
    routes.addStatus(runtime.state)
    return [RequestServer(endpoint: options.bind, runtime: runtime, routes: routes)]
}
