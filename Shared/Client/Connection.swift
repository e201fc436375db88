import Foundation
import WireProtocol
import ZMQ

/// A blocking connection to a service, for command-line tools and tests (one thread).
///
/// `endpoint` may list several instances of the service, comma-separated (scaled ingest or
/// query replicas): the DEALER socket connects to each and ZeroMQ spreads requests over
/// those whose connection is up (`ZMQ_IMMEDIATE`), so a dead instance gets none.
///
/// A service that is not running is known at once: a socket monitor reports the refused
/// connection, and the request fails with `.refused` before any timeout. One that was up
/// and now refuses (it is restarting, say) gets `refusalGrace` to come back.
///
/// Lazy Pirate (zguide): wait for replies with a timeout; when a request times out, close
/// the socket, open a new one and resend every outstanding request — with the same request
/// ids, so the service recognises the retries — and give up on a request sent `retries + 1`
/// times. An `unavailable` answer (the service's own dependency is down) is resent the same
/// way after the hinted wait.
public final class Connection {
    public let endpoint: String
    public let timeout: Duration
    public let retries: Int
    private let context: Context
    private var link: Link?
    /// Whether an instance was up at some point: then a refusal may be a restart.
    private var serviceWasUp = false

    /// How long a request waits for a connection to come up (not refused, not accepted:
    /// a host that drops packets, say).
    public static let connectWait: Duration = .seconds(2)
    /// How long every instance may refuse connections, after one was up, before giving up.
    public static let refusalGrace: Duration = .seconds(2)

    public init(context: Context, endpoint: String, timeout: Duration = .seconds(5), retries: Int = 2) {
        self.context = context
        self.endpoint = endpoint
        self.timeout = timeout
        self.retries = retries
    }

    deinit { link?.close() }

    /// Whether `send` should go on with the remaining requests after a reply.
    public enum Flow: Sendable {
        case more
        /// Send nothing more; wait for the replies of requests already sent, then return.
        case stop
    }

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
        try sendAll(requests, window: window, deciding: { index, reply, elapsed in
            onReply(index, reply, elapsed)
            return .more
        })
    }

    /// As `send(_:window:onReply:)`; `deciding` sees each reply and may stop the sending of
    /// further requests.
    public func sendAll(_ requests: [Request], window: Int, deciding: (Int, Reply, Duration) -> Flow) throws(ClientError) {
        struct Pending {
            let index: Int
            var sends: Int
            var sentAt: ContinuousClock.Instant
            let firstSent: ContinuousClock.Instant
            /// Set while waiting to resend after an `unavailable` answer.
            var resendAt: ContinuousClock.Instant?
        }
        var next = 0
        var pending: [String: Pending] = [:]
        var stopping = false
        while (!stopping && next < requests.count) || !pending.isEmpty {
            let link = try openLink()
            while !stopping, pending.count < window, next < requests.count {
                try send(requests[next], on: link)
                pending[requests[next].id] = Pending(index: next, sends: 1, sentAt: .now, firstSent: .now)
                next += 1
            }
            for (id, request) in pending where request.resendAt.map({ $0 <= .now }) == true {
                try send(requests[request.index], on: link)
                pending[id]!.resendAt = nil
                pending[id]!.sentAt = .now
                pending[id]!.sends += 1
            }
            let deadline = pending.values.map { $0.resendAt ?? $0.sentAt + timeout }.min()!
            switch try link.wait(until: deadline, refusal: refusal) {
            case .reply(let reply):
                guard let request = pending[reply.requestID], request.resendAt == nil else { continue }
                if !reply.isOK, reply.errorBody.code == .unavailable, request.sends <= retries, !stopping {
                    pending[reply.requestID]!.resendAt = .now + .milliseconds(reply.errorBody.retryAfterMs ?? 500)
                    continue
                }
                pending[reply.requestID] = nil
                if deciding(request.index, reply, .now - request.firstSent) == .stop { stopping = true }
            case .timedOut:
                let late = pending.values.filter { $0.resendAt == nil && $0.sentAt + timeout <= .now }
                guard !late.isEmpty else { continue }
                if late.contains(where: { $0.sends > retries }) {
                    throw .unreachable(endpoint: endpoint, attempts: retries + 1, timeout: timeout)
                }
                reset()
                let fresh = try openLink()
                for (id, request) in pending where request.resendAt == nil {
                    try send(requests[request.index], on: fresh)
                    pending[id]!.sentAt = .now
                    pending[id]!.sends += 1
                }
            }
        }
    }

    /// The instances `endpoint` names.
    public var endpoints: [String] { Self.endpoints(in: endpoint) }

    /// The endpoints of a comma-separated list ("tcp://a:5550, tcp://b:5550").
    public static func endpoints(in list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private func openLink() throws(ClientError) -> Link {
        if let link { return link }
        do {
            let link = try Link(context: context, endpoints: endpoints)
            self.link = link
            return link
        } catch {
            throw .badReply("cannot connect to \(endpoint): \(error)")
        }
    }

    private func send(_ request: Request, on link: Link) throws(ClientError) {
        try link.send(request, deadline: .now + Self.connectWait, refusal: refusal) {
            .noConnection(endpoint: endpoint, waited: Self.connectWait)
        }
        if link.wasUp { serviceWasUp = true }
    }

    /// The error to give up with when every instance refuses connections: at once if none
    /// was ever up, after `refusalGrace` if one was.
    private func refusal(_ link: Link) -> ClientError? {
        if link.wasUp { serviceWasUp = true }
        guard let refusedFor = link.refusedFor else { return nil }
        guard !serviceWasUp || refusedFor >= Self.refusalGrace else { return nil }
        return .refused(endpoints: endpoints)
    }

    private func reset() {
        link?.close()
        link = nil
    }
}

extension Reply {
    /// The error of an error reply (or a stand-in when its body is unreadable).
    public var errorBody: ErrorBody {
        (try? WireJSON.decode(ErrorBody.self, from: body))
            ?? ErrorBody(code: .internal, message: String(decoding: body, as: UTF8.self))
    }
}
