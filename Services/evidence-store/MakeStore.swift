import ServiceKit
import ServiceLifecycle

/// Builds the store's services from its options; the command and the tests both call it.
func makeStore(_ options: StoreOptions, _ runtime: ServiceRuntime) throws -> [any Service] {
    var routes = Routes()
    routes.addStatus(runtime.state)
    return [RequestServer(endpoint: options.bind, runtime: runtime, routes: routes)]
}
