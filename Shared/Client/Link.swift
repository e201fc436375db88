import Foundation
import WireProtocol
import ZMQ

/// One DEALER socket connected to every instance of a service, and a monitor on it that
/// says which instances are up and which refuse connections.
///
/// `ZMQ_IMMEDIATE` queues messages only on completed connections, so a request goes to an
/// instance that is up, never into the queue of one that is down. A refused connection
/// (nothing listens on the port) is reported by the monitor within milliseconds, so a
/// service that is not running is known at once instead of after every timeout.
final class Link {
    let socket: Socket
    private let monitor: SocketMonitor
    private let endpointCount: Int
    /// Latest state per endpoint, as the monitor names them.
    private var refused: Set<String> = []
    private var up: Set<String> = []
    /// Since when every instance has refused connections.
    private var allRefusedSince: ContinuousClock.Instant?
    /// Whether an instance was up on this link.
    private(set) var wasUp = false

    /// What waiting found.
    enum Event {
        case reply(Reply)
        case timedOut
    }

    init(context: Context, endpoints: [String]) throws {
        socket = try context.socket(.dealer)
        try socket.set([.linger(milliseconds: 0), .immediate(true)])
        monitor = try socket.monitor()
        endpointCount = endpoints.count
        for endpoint in endpoints { try socket.connect(endpoint) }
    }

    func close() {
        monitor.close()
        socket.close()
    }

    /// How long every instance has refused connections; nil while one is up or connecting.
    var refusedFor: Duration? { allRefusedSince.map { .now - $0 } }

    /// Sends one request once a connection is up. Throws `refusal` when every instance
    /// refuses, and `noConnection` when none is up by `deadline`.
    func send(_ request: Request, deadline: ContinuousClock.Instant,
              refusal: (Link) -> ClientError?, noConnection: () -> ClientError) throws(ClientError) {
        try guarded {
            while true {
                if try trySend(request) { return }
                if let error = refusal(self) { throw error }
                let remaining = deadline - .now
                guard remaining > .zero else { throw noConnection() }
                var poller = Poller()
                register(in: &poller, sending: true)
                try poller.poll(timeout: pollTimeout(remaining))
            }
        }
    }

    /// Waits for a reply until `deadline`; throws `refusal` when the monitor shows every
    /// instance refusing and `refusal` says that is final.
    func wait(until deadline: ContinuousClock.Instant, refusal: (Link) -> ClientError?) throws(ClientError) -> Event {
        try guarded {
            while true {
                if let reply = try takeReply() { return .reply(reply) }
                if let error = refusal(self) { throw error }
                let remaining = deadline - .now
                guard remaining > .zero else { return .timedOut }
                var poller = Poller()
                register(in: &poller, sending: false)
                try poller.poll(timeout: pollTimeout(remaining))
            }
        }
    }

    /// Sends `request` if a connection is up now; reads the monitor's news either way.
    func trySend(_ request: Request) throws -> Bool {
        try readEvents()
        return try socket.send([Data()] + request.frames, dontWait: true)
    }

    /// A reply waiting now, if any; reads the monitor's news either way.
    func takeReply() throws -> Reply? {
        try readEvents()
        return try socket.receiveAnyReply()
    }

    /// Adds the socket (to send, or to receive) and the monitor to a poller.
    func register(in poller: inout Poller, sending: Bool) {
        poller.add(socket, events: sending ? .writable : .readable)
        poller.add(monitor)
    }

    /// While every instance refuses, wake now and then to see whether that lasts.
    func pollTimeout(_ remaining: Duration) -> Duration {
        allRefusedSince == nil ? remaining : min(remaining, .milliseconds(100))
    }

    private func guarded<Value>(_ body: () throws -> Value) throws(ClientError) -> Value {
        do {
            return try body()
        } catch let error as ClientError {
            throw error
        } catch {
            throw .badReply("\(error)")
        }
    }

    private func readEvents() throws {
        while let event = try monitor.next() {
            switch event.kind {
            case .connected, .handshakeSucceeded:
                up.insert(event.endpoint)
                refused.remove(event.endpoint)
                wasUp = true
            case .connectRetried:
                refused.insert(event.endpoint)
                up.remove(event.endpoint)
            case .disconnected:
                up.remove(event.endpoint)
            default:
                break
            }
        }
        let allRefused = up.isEmpty && refused.count >= endpointCount
        if allRefused, allRefusedSince == nil { allRefusedSince = .now }
        if !allRefused { allRefusedSince = nil }
    }
}
