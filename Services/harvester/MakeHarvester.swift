import Foundation
import ServiceKit
import ServiceLifecycle

/// Builds the harvester from its options; the command and the tests both call it.
func makeHarvester(_ options: HarvesterOptions, _ runtime: ServiceRuntime) async throws -> [any Service] {
    var routes = Routes()
    routes.addStatus(runtime.state) { _ in }
    let server = try await RequestServer(endpoint: options.bind, runtime: runtime, routes: routes)
    return [server]
}
