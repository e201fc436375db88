import Foundation
import WireProtocol
import ZMQ

/// A blocking connection to a service, for command-line tools and tests: the request
/// engine's face for one thread, which waits on the socket itself.
///
/// `endpoint` may list several instances of the service, comma-separated (scaled ingest or
/// query replicas): the DEALER socket connects to each and ZeroMQ spreads requests over
/// those whose connection is up (`ZMQ_IMMEDIATE`), so a dead instance gets none. A name
/// that stands for several instances (`tcp://tasks.query:5570` in a swarm) is connected at
/// each of its addresses and resolved again every `resolveInterval` (`ReplicaDiscovery`),
/// on the caller's thread.
///
/// Retries are the engine's (`RequestEngine`, policy `RetryPolicy.commandLine`): a late
/// request is resent with its id on a fresh socket, given up after `retries` resends; an
/// `unavailable` answer is resent after the hinted wait; a service that is not running is
/// known at once from the socket monitor, one that was up and now refuses (restarting, say)
/// gets 2 s to come back.
public final class Connection {
    public let endpoint: String
    public let timeout: Duration
    public let retries: Int
    private let context: Context
    /// CURVE client options (`ClientKeys`), or none for a plaintext service.
    private let security: [SocketOption]
    private var link: Link?
    private var engine: RequestEngine
    private var discovery: ReplicaDiscovery

    /// How long a request waits for a connection to come up (not refused, not accepted:
    /// a host that drops packets, say).
    public static let connectWait: Duration = .seconds(2)

    public init(context: Context, endpoint: String, timeout: Duration = .seconds(5), retries: Int = 2,
                security: [SocketOption] = [], resolveInterval: Duration = ReplicaDiscovery.defaultInterval,
                resolver: AddressResolver = .system) {
        self.context = context
        self.security = security
        self.endpoint = endpoint
        self.timeout = timeout
        self.retries = retries
        engine = RequestEngine(endpoint: endpoint, policy: .commandLine(timeout: timeout, retries: retries))
        discovery = ReplicaDiscovery(endpoints: engine.endpoints, interval: resolveInterval, resolver: resolver)
    }

    /// What the socket connects to now: `endpoints`, with each name that stands for several
    /// instances replaced by their addresses.
    public var connectedEndpoints: [String] { discovery.current }

    deinit { link?.close() }

    /// The instances `endpoint` names.
    public var endpoints: [String] { engine.endpoints }

    /// The endpoints of a comma-separated list ("tcp://a:5550, tcp://b:5550").
    public static func endpoints(in list: String) -> [String] { RequestEngine.endpoints(in: list) }

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
        let positions = Dictionary(requests.indices.map { (requests[$0].id, $0) }, uniquingKeysWith: { first, _ in first })
        var next = 0
        var stopping = false
        defer { engine.forgetAll() }
        while (!stopping && next < requests.count) || engine.inFlightCount > 0 {
            while !stopping, engine.inFlightCount < window, next < requests.count {
                try transmit(requests[next])
                engine.sent(requests[next].id)
                next += 1
            }
            let due = engine.due()
            if let failure = due.failed.first { throw failure.error }
            if due.reopen { closeLink() }
            for id in due.resend { try transmit(requests[positions[id]!]) }
            guard let reply = try awaitReply() else { continue }
            if case .answered(let elapsed) = engine.received(reply, resending: !stopping), let index = positions[reply.requestID],
               deciding(index, reply, elapsed) == .stop {
                stopping = true
            }
        }
    }

    // MARK: - The socket, on the caller's thread

    /// Sends one request once a connection can take it. Throws `.refused` when the engine
    /// says every instance refuses for good, `.noConnection` when none is up in time.
    private func transmit(_ request: Request) throws(ClientError) {
        let waitingSince = ContinuousClock.now
        let deadline = waitingSince + Self.connectWait
        let link = try openLink()
        try onSocket {
            while true {
                try rediscover(link)
                try readEvents(link)
                if try link.trySend(request) { return }
                if let refusal = engine.refusal(forWaitingSince: waitingSince) { throw refusal }
                guard ContinuousClock.now < deadline else {
                    throw ClientError.noConnection(endpoint: endpoint, waited: Self.connectWait)
                }
                // Wake for the monitor's news, the connection, or the end of a restarting service's grace.
                let graceEnds = engine.refusalFinal.flatMap { $0 > .now ? $0 : nil } ?? deadline
                try link.poll(until: min(deadline, graceEnds, discovery.nextCheck ?? deadline), sending: true)
            }
        }
    }

    /// A reply, or nil once the engine has something due (a timeout, a resend, a refusal).
    private func awaitReply() throws(ClientError) -> Reply? {
        let link = try openLink()
        return try onSocket {
            while true {
                try rediscover(link)
                try readEvents(link)
                if let reply = try link.takeReply() { return reply }
                guard let deadline = engine.nextDeadline, deadline > .now else { return nil }
                try link.poll(until: min(deadline, discovery.nextCheck ?? deadline), sending: false)
            }
        }
    }

    /// Resolves the names again when due, and follows the change (`link` nil: before the
    /// socket exists, which then connects to what was found).
    private func rediscover(_ link: Link?) throws {
        let change = discovery.refresh()
        guard !change.isEmpty else { return }
        try link?.apply(change)
        engine.endpointsChanged(change, count: discovery.current.count)
    }

    private func readEvents(_ link: Link) throws {
        for event in try link.takeEvents() { engine.heard(event) }
    }

    private func openLink() throws(ClientError) -> Link {
        if let link { return link }
        do {
            try rediscover(nil)
            let link = try Link(context: context, endpoints: discovery.current, security: security)
            self.link = link
            return link
        } catch {
            throw .badReply("cannot connect to \(endpoint): \(error)")
        }
    }

    private func closeLink() {
        link?.close()
        link = nil
    }

    /// Runs socket work; a libzmq failure becomes a `ClientError`.
    private func onSocket<Value>(_ body: () throws -> Value) throws(ClientError) -> Value {
        do {
            return try body()
        } catch let error as ClientError {
            throw error
        } catch {
            throw .badReply("\(error)")
        }
    }
}
