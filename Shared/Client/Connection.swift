import Foundation
import WireProtocol
import ZMQ

/// A blocking connection to a service, for command-line tools and tests (one thread).
///
/// `endpoint` may list several instances of the service, comma-separated (scaled ingest or
/// query replicas): the DEALER socket connects to each and ZeroMQ spreads requests over
/// those whose connection is up (`ZMQ_IMMEDIATE`), so a dead instance gets none.
///
/// Lazy Pirate (zguide): wait for replies with a timeout; when the oldest outstanding
/// request times out, close the socket, open a new one and resend every outstanding
/// request — with the same request ids, so the service recognises the retries — and give
/// up after `retries` consecutive timeouts. An `unavailable` answer (the service's own
/// dependency is down) is retried the same way after the hinted wait.
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
        var answer: Reply?
        try send([request], window: 1) { _, reply, _ in answer = reply }
        return answer!
    }

    /// Sends `request` and decodes a successful reply's body; an error reply throws `.service`.
    public func call<Body: Decodable>(_ request: Request, as type: Body.Type) throws(ClientError) -> Body {
        let reply = try send(request)
        guard reply.isOK else { throw .service(reply.errorBody) }
        do {
            return try WireJSON.decode(type, from: reply.body)
        } catch {
            throw .badReply("\(request.type) reply: \(error)")
        }
    }

    /// Sends every request, keeping at most `window` in flight, and hands each reply to
    /// `onReply` with the request's position and how long it took since it was first sent,
    /// in the order replies arrive.
    public func send(_ requests: [Request], window: Int, onReply: (Int, Reply, Duration) -> Void) throws(ClientError) {
        var next = 0
        var inFlight: [(id: String, index: Int, sentAt: ContinuousClock.Instant, firstSent: ContinuousClock.Instant)] = []
        var timeouts = 0
        do {
            while next < requests.count || !inFlight.isEmpty {
                let socket = try openSocket()
                while inFlight.count < window, next < requests.count {
                    try send(requests[next], on: socket)
                    inFlight.append((requests[next].id, next, .now, .now))
                    next += 1
                }
                let oldest = inFlight[0]
                var poller = Poller()
                poller.add(socket)
                if try poller.poll(timeout: oldest.sentAt + timeout - .now) > 0 {
                    guard let reply = try socket.receiveAnyReply(),
                          let position = inFlight.firstIndex(where: { $0.id == reply.requestID }) else { continue }
                    let (index, firstSent) = (inFlight[position].index, inFlight[position].firstSent)
                    if !reply.isOK, reply.errorBody.code == .unavailable, timeouts < retries {
                        timeouts += 1
                        Thread.sleep(forTimeInterval: Double(reply.errorBody.retryAfterMs ?? 500) / 1000)
                        try send(requests[index], on: socket)
                        inFlight[position].sentAt = .now
                        continue
                    }
                    inFlight.remove(at: position)
                    timeouts = 0
                    onReply(index, reply, .now - firstSent)
                } else if ContinuousClock.now >= oldest.sentAt + timeout {
                    timeouts += 1
                    guard timeouts <= retries else {
                        throw ClientError.unreachable(endpoint: endpoint, attempts: retries + 1, timeout: timeout)
                    }
                    reset()
                    let fresh = try openSocket()
                    for position in inFlight.indices {
                        try send(requests[inFlight[position].index], on: fresh)
                        inFlight[position].sentAt = .now
                    }
                }
            }
        } catch let error as ClientError {
            throw error
        } catch {
            throw .badReply("\(error)")
        }
    }

    /// The instances `endpoint` names.
    public var endpoints: [String] { Self.endpoints(in: endpoint) }

    /// The endpoints of a comma-separated list ("tcp://a:5550, tcp://b:5550").
    public static func endpoints(in list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// How long a send waits for a connection to any of several instances.
    static let connectWaitMilliseconds: Int32 = 2000
    static var connectWait: Duration { .milliseconds(connectWaitMilliseconds) }

    private func openSocket() throws -> Socket {
        if let socket { return socket }
        let socket = try context.socket(.dealer)
        try socket.set(.linger(milliseconds: 0))
        if endpoints.count > 1 {
            try socket.set([.immediate(true), .sendTimeout(milliseconds: Self.connectWaitMilliseconds)])
        }
        for endpoint in endpoints { try socket.connect(endpoint) }
        self.socket = socket
        return socket
    }

    /// Sends one request; with several instances, fails when none has a connection up.
    private func send(_ request: Request, on socket: Socket) throws {
        guard try socket.send([Data()] + request.frames) else {
            throw ClientError.unreachable(endpoint: endpoint, attempts: 1, timeout: Self.connectWait)
        }
    }

    private func reset() {
        socket?.close()
        socket = nil
    }
}

extension Reply {
    /// The error of an error reply (or a stand-in when its body is unreadable).
    public var errorBody: ErrorBody {
        (try? WireJSON.decode(ErrorBody.self, from: body))
            ?? ErrorBody(code: .internal, message: String(decoding: body, as: UTF8.self))
    }
}
