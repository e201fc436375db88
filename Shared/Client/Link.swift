import Foundation
import WireProtocol
import ZMQ

/// One DEALER socket connected to every instance of a service, and its monitor, for a
/// client that waits on its own thread (`Connection`, `Probe`). What the monitor's news
/// means is the engine's business (`LinkHealth`); this only moves frames and events.
final class Link {
    let socket: Socket
    private let monitor: SocketMonitor

    init(context: Context, endpoints: [String], security: [SocketOption]) throws {
        (socket, monitor) = try Self.open(context: context, endpoints: endpoints, heartbeats: false, security: security)
    }

    /// A client's DEALER connected to `endpoints`, with its monitor made first so that no
    /// event is missed: the same for the blocking face and, on its pump's thread, the async one.
    /// `security` is the CURVE client's options (the service's public key, ours), or none.
    static func open(context: Context, endpoints: [String], heartbeats: Bool,
                     security: [SocketOption]) throws -> (Socket, SocketMonitor) {
        let socket = try context.socket(.dealer)
        try socket.set(LinkSettings.dealer(heartbeats: heartbeats) + security)
        let monitor = try socket.monitor()
        for endpoint in endpoints { try socket.connect(endpoint) }
        return (socket, monitor)
    }

    /// Connects and disconnects as a name's addresses changed (`ReplicaDiscovery`).
    func apply(_ change: ReplicaDiscovery.Change) throws {
        try Self.apply(change, to: socket)
    }

    /// The same on a socket of a pump's thread. Disconnecting an endpoint whose connection
    /// is already gone is no error.
    static func apply(_ change: ReplicaDiscovery.Change, to socket: Socket) throws {
        for endpoint in change.removed { try? socket.disconnect(endpoint) }
        for endpoint in change.added { try socket.connect(endpoint) }
    }

    func close() {
        monitor.close()
        socket.close()
    }

    /// Sends a request if a connection is up to take it now.
    func trySend(_ request: Request) throws -> Bool {
        try socket.send(request.delimitedFrames, dontWait: true)
    }

    /// A reply waiting now, if any, whichever request it answers.
    func takeReply() throws -> Reply? {
        try socket.receive(dontWait: true).flatMap(Reply.init(delimited:))
    }

    /// The monitor's events waiting now.
    func takeEvents() throws -> [SocketEvent] {
        var events: [SocketEvent] = []
        while let event = try monitor.next() { events.append(event) }
        return events
    }

    /// Waits until the socket can send (or has a reply), the monitor has news, or `deadline`.
    func poll(until deadline: ContinuousClock.Instant, sending: Bool) throws {
        var poller = Poller()
        register(in: &poller, sending: sending)
        try poller.poll(timeout: max(deadline - .now, .zero))
    }

    /// Adds the socket (to send, or to receive) and the monitor to a poller.
    func register(in poller: inout Poller, sending: Bool) {
        poller.add(socket, events: sending ? .writable : .readable)
        poller.add(monitor)
    }
}
