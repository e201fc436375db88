import Logging
import WireProtocol

extension Routes {
    /// Answers `status` from the service's state; `extend` adds what this service reports.
    /// When `extend` fails (a database read, say), status still answers with what the state
    /// knows; the failure is logged and counted (`status.failures`), never silently dropped.
    public mutating func addStatus(_ state: ServiceState,
                                   extend: @escaping @Sendable (inout StatusReply) async throws -> Void = { _ in }) {
        let logger = Logger(label: "ldn.\(state.service)")
        on(MessageType.status) { request, _ in
            _ = try request.decodeBody(EmptyBody.self)
            var status = state.status()
            do {
                try await extend(&status)
            } catch {
                state.stats.add("status.failures")
                status.counters = state.stats.totals
                logger.warning("status is incomplete: a part of it failed", metadata: ["error": "\(error)"])
            }
            return .ok(request, status)
        }
    }
}
