import ServiceKit
import ServiceLifecycle

/// Builds the notifier service's services from its options; the command and the tests both call it.
func makeNotifier(_ options: NotifierOptions, _ runtime: ServiceRuntime) async throws -> [any Service] {
    var routes = Routes()
    routes.addStatus(runtime.state)
    return [try await RequestServer(endpoint: options.bind, runtime: runtime, routes: routes)]
}
