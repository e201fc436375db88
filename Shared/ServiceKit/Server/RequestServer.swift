import Foundation
import Logging
import ServiceLifecycle
import WireProtocol
import ZMQ

/// A ROUTER socket answering requests (zguide: asynchronous server). Peers may be REQ
/// sockets or DEALERs with or without the empty delimiter frame; replies echo the
/// routing frames exactly. Requests are handled concurrently, at most `maxInFlight` at
/// once; on graceful shutdown it stops reading, finishes and answers what it took, then closes.
public struct RequestServer: Service {
    let role: String
    let state: ServiceState
    let routes: Routes
    let logger: Logger
    let maxMessageBytes: Int
    let maxInFlight: Int
    let pump: SocketPump

    /// Binds the endpoint now, so that a port in use stops the service before it starts.
    public init(role: String = "requests", endpoint: String, context: Context, state: ServiceState, routes: Routes,
                logger: Logger, maxMessageBytes: Int, maxInFlight: Int = 256) async throws {
        self.role = role
        self.state = state
        self.routes = routes
        self.logger = logger
        self.maxMessageBytes = maxMessageBytes
        self.maxInFlight = maxInFlight
        pump = try await SocketPump.start(
            name: "\(state.service)-\(role)", context: context,
            onError: { [logger] error in logger.debug("reply not delivered", metadata: ["error": "\(error)"]) }
        ) { context in
            let socket = try context.socket(.router)
            // Frames far beyond the limit are dropped by libzmq itself (with the connection);
            // anything between is read and answered `too_large`.
            try socket.set([.linger(milliseconds: 1000), .routerMandatory(true),
                            .maxMessageSize(bytes: Int64(maxMessageBytes) * 4)])
            try socket.bind(endpoint)
            return socket
        }
        state.setEndpoint(role, pump.lastEndpoint)
        logger.info("listening", metadata: ["endpoint": "\(pump.lastEndpoint)", "role": "\(role)", "socket": "ROUTER"])
    }

    /// A server for one of this process's endpoints, with the process's context, state, logger and limits.
    public init(role: String = "requests", endpoint: String, runtime: ServiceRuntime, routes: Routes) async throws {
        try await self.init(role: role, endpoint: endpoint, context: runtime.context, state: runtime.state, routes: routes,
                            logger: runtime.logger, maxMessageBytes: runtime.options.maxMessageBytes)
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await message in pump.incoming.cancelOnGracefulShutdown() {
                if running >= maxInFlight {
                    await group.next()
                    running -= 1
                }
                group.addTask { await self.answer(message) }
                running += 1
            }
            logger.info("draining", metadata: ["role": "\(role)"])
        }
        await pump.stop()
    }

    private func answer(_ message: Multipart) async {
        let started = ContinuousClock.now
        let routingCount = message.count > 1 && message[1].isEmpty ? 2 : 1
        let routing = Array(message.prefix(routingCount))
        let reply: Reply
        switch Request.parse(message.dropFirst(routingCount)) {
        case .failure(let failure):
            reply = .error(failure.partial, failure.error)
        case .success(let request):
            let size = message.reduce(0) { $0 + $1.count }
            if size > maxMessageBytes {
                reply = .error(request, ErrorBody(code: .tooLarge,
                                                  message: "message is \(size) bytes; this service accepts at most \(maxMessageBytes)"))
            } else {
                reply = await routes.handle(request, logger: logger)
            }
        }
        pump.send(routing + reply.frames)
        let elapsed = ContinuousClock.now - started
        state.stats.recordRequest(ok: reply.isOK, duration: elapsed)
        logger.debug("request", metadata: ["request.id": "\(reply.requestID)", "type": "\(reply.type)",
                                           "ok": "\(reply.isOK)", "ms": "\(elapsed.milliseconds)"])
    }
}

extension Duration {
    /// Whole and fractional milliseconds, for logs.
    public var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
