import Foundation
import Logging
import ServiceKit
import ServiceLifecycle
import WireProtocol
import ZMQ

/// A RequestServer running in-process on an ephemeral loopback port, as the services run it.
public struct RunningServer: Sendable {
    public let context: Context
    public let state: ServiceState
    public let group: ServiceGroup
    public let task: Task<Void, any Error>
    public let endpoint: String

    public static func start(maxMessageBytes: Int = 64 * 1024, heavyRequestBytes: Int = RequestServer.defaultHeavyRequestBytes,
                             heavyThreads: Int = 2, routes extra: (inout Routes) -> Void = { _ in }) async throws -> RunningServer {
        let context = try Context()
        let state = ServiceState(service: "test")
        var routes = Routes()
        routes.addStatus(state)
        extra(&routes)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = try await RequestServer(endpoint: "tcp://127.0.0.1:*", context: context, state: state, routes: routes,
                                             logger: logger, maxMessageBytes: maxMessageBytes, heavyRequestBytes: heavyRequestBytes,
                                             heavyThreads: heavyThreads)
        let group = ServiceGroup(services: [server], logger: logger)
        let task = Task { try await group.run() }
        guard let endpoint = state.boundEndpoints["requests"] else { throw TestFailure("the server bound no endpoint") }
        return RunningServer(context: context, state: state, group: group, task: task, endpoint: endpoint)
    }

    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// Sends raw frames from a DEALER (with the REQ-style empty delimiter) and returns the reply,
    /// nil when none came within `timeout` milliseconds. The default is long: the server's
    /// handlers share this test process's cooperative pool with the rest of the suite, which
    /// at its start on two cores has kept a status answer waiting beyond 3 s. A test that
    /// expects no answer passes a short timeout of its own.
    public func raw(_ frames: [Data], timeout: Int32 = 15_000) async throws -> Reply? {
        try await offPool { [context, endpoint] in
            let socket = try context.socket(.dealer)
            defer { socket.close() }
            try socket.set([.linger(milliseconds: 0), .receiveTimeout(milliseconds: timeout)])
            try socket.connect(endpoint)
            try socket.send([Data()] + frames)
            guard let reply = try socket.receive() else { return nil }
            return Reply.parse(reply.dropFirst())
        }
    }
}

/// Frames from strings.
public func text(_ strings: String...) -> [Data] { strings.map { Data($0.utf8) } }
