import Foundation
import Logging
import ServiceKit
import ServiceLifecycle

/// Runs a service's own builder (`makeStore`, `makeIngest`, `makeQuery`, `makeNotifier`)
/// inside the test: its services in a `ServiceGroup`, with a ZeroMQ context of its own, as
/// `ServiceRunner` runs them in the executable, but without spawning one. `body` gets the
/// runtime once the builder has bound its endpoints; afterwards the group shuts down
/// gracefully (what SIGTERM does) and the context closes, also when `body` throws.
/// Warnings and errors are logged to standard error.
///
/// - Parameter options: common flags, e.g. `["--metrics-bind", "127.0.0.1:0"]` (the URL is
///   then the `metrics` endpoint in `runtime.state.boundEndpoints`).
public func withService<Result>(_ service: String, options: [String] = [], build: (ServiceRuntime) async throws -> [any Service],
                                _ body: (ServiceRuntime) async throws -> Result) async throws -> Result {
    let logger = Logger(label: "ldn.\(service)") { _ in LineLogHandler(service: service, format: .text, level: .warning) }
    let runtime = try ServiceRuntime(service: service, options: try CommonOptions.parse(options), logger: logger)
    defer {
        runtime.context.shutdown()
        _ = runtime.context.terminate(within: .seconds(5))
    }
    let metricsServer = try await runtime.makeMetricsServer()
    let group = ServiceGroup(services: (metricsServer.map { [$0] } ?? []) + (try await build(runtime)),
                             gracefulShutdownSignals: [], logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { running in
        running.addTask { try await group.run() }
        let outcome: Swift.Result<Result, any Error>
        do {
            outcome = .success(try await body(runtime))
        } catch {
            outcome = .failure(error)
        }
        await group.triggerGracefulShutdown()
        try await running.waitForAll()
        return try outcome.get()
    }
}
