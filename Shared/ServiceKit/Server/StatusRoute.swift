import WireProtocol

extension Routes {
    /// Answers `status` from the service's state; `extend` adds what this service reports.
    public mutating func addStatus(_ state: ServiceState, extend: @escaping @Sendable (inout StatusReply) async -> Void = { _ in }) {
        on(MessageType.status) { request in
            _ = try request.decodeBody(EmptyBody.self)
            var status = state.status()
            await extend(&status)
            return .ok(request, status)
        }
    }
}
