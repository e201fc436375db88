import Foundation
import WireProtocol
import ZMQ

/// A blocking connection to one service, for command-line tools and tests (one thread).
///
/// Lazy Pirate (zguide): wait for the reply with a timeout; on timeout close the socket,
/// open a new one and resend the same request — with the same request id, so the service
/// can recognise the retry — and give up after `retries` resends.
public final class Connection {
    public let endpoint: String
    public let timeout: Duration
    public let retries: Int
    private let context: Context
    private var socket: Socket?

    public init(context: Context, endpoint: String, timeout: Duration = .seconds(5), retries: Int = 2) {
        self.context = context
        self.endpoint = endpoint
        self.timeout = timeout
        self.retries = retries
    }

    deinit { socket?.close() }

    /// Sends `request` and returns the service's reply (which may be an error reply).
    public func send(_ request: Request) throws(ClientError) -> Reply {
        for _ in 0...retries {
            do {
                let socket = try openSocket()
                try socket.sendRequest(request)
                if let reply = try awaitReply(to: request.id, on: socket, until: .now + timeout) { return reply }
            } catch let error as ZMQError {
                throw .badReply(error.description)
            } catch {
                throw .badReply("\(error)")
            }
            reset()  // a REQ-style socket may hold a late reply; start clean
        }
        throw .unreachable(endpoint: endpoint, attempts: retries + 1, timeout: timeout)
    }

    /// Sends `request` and decodes a successful reply's body; an error reply throws `.service`.
    public func call<Body: Decodable>(_ request: Request, as type: Body.Type) throws(ClientError) -> Body {
        let reply = try send(request)
        guard reply.isOK else {
            throw .service((try? WireJSON.decode(ErrorBody.self, from: reply.body))
                ?? ErrorBody(code: .internal, message: String(decoding: reply.body, as: UTF8.self)))
        }
        do {
            return try WireJSON.decode(type, from: reply.body)
        } catch {
            throw .badReply("\(request.type) reply: \(error)")
        }
    }

    private func openSocket() throws -> Socket {
        if let socket { return socket }
        let socket = try context.socket(.dealer)
        try socket.set(.linger(milliseconds: 0))
        try socket.connect(endpoint)
        self.socket = socket
        return socket
    }

    private func reset() {
        socket?.close()
        socket = nil
    }

    /// Waits for the reply carrying `id`, dropping late replies to earlier attempts.
    private func awaitReply(to id: String, on socket: Socket, until deadline: ContinuousClock.Instant) throws -> Reply? {
        var poller = Poller()
        poller.add(socket)
        while case let remaining = deadline - .now, remaining > .zero {
            if try poller.poll(timeout: remaining) > 0, let reply = try socket.receiveReply(to: id) { return reply }
        }
        return nil
    }
}
