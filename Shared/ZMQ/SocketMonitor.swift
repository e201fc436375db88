import CZMQ
import Foundation
import Synchronization

/// One event in the life of a socket's connections, as libzmq's monitor reports it.
public struct SocketEvent: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The TCP connection is up (for a connecting socket; the ZMTP handshake follows).
        case connected
        /// A connection attempt is under way.
        case connectDelayed
        /// A connection attempt failed (refused, unreachable, name not found); another
        /// follows after `value` milliseconds.
        case connectRetried
        case closed
        /// An established connection was lost.
        case disconnected
        case handshakeSucceeded
        /// The ZMTP handshake failed: `value` is the errno (no detail), the ZMTP error
        /// (protocol) or the ZAP status code (authentication, e.g. CURVE keys refused).
        case handshakeFailedNoDetail, handshakeFailedProtocol, handshakeFailedAuth
        case monitorStopped
        case other(UInt16)
    }

    public let kind: Kind
    public let value: UInt32
    /// The endpoint the event concerns, as the socket connected or bound it.
    public let endpoint: String

    public var description: String { "\(kind) \(endpoint) (\(value))" }

    static func kind(of code: UInt16) -> Kind {
        switch Int32(code) {
        case ZMQ_EVENT_CONNECTED: .connected
        case ZMQ_EVENT_CONNECT_DELAYED: .connectDelayed
        case ZMQ_EVENT_CONNECT_RETRIED: .connectRetried
        case ZMQ_EVENT_CLOSED: .closed
        case ZMQ_EVENT_DISCONNECTED: .disconnected
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: .handshakeSucceeded
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: .handshakeFailedNoDetail
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: .handshakeFailedProtocol
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: .handshakeFailedAuth
        case ZMQ_EVENT_MONITOR_STOPPED: .monitorStopped
        default: .other(code)
        }
    }
}

/// Reports what happens to a socket's connections (`zmq_socket_monitor`) on a PAIR socket
/// of its own, so a client learns at once that a connection was refused instead of waiting
/// for a reply that cannot come. Like `Socket`, it belongs to the thread that made it;
/// poll it with `Poller.add(_:)` beside the socket it watches.
public final class SocketMonitor {
    let pair: Socket

    /// Gives each monitor its own inproc address.
    private static let counter = Atomic<Int>(0)

    init(watching socket: Socket, context: Context) throws {
        let address = "inproc://ldn-monitor-\(getpid())-\(Self.counter.add(1, ordering: .relaxed).newValue)"
        try check("zmq_socket_monitor \(address)") { zmq_socket_monitor(socket.handle, address, ZMQ_EVENT_ALL) }
        pair = try context.socket(.pair)
        try pair.set(.linger(milliseconds: 0))
        try pair.connect(address)
    }

    deinit { close() }

    /// The next event, or nil when none is waiting (with `dontWait`).
    public func next(dontWait: Bool = true) throws -> SocketEvent? {
        guard let frames = try pair.receive(dontWait: dontWait) else { return nil }
        // Frame 1: the event (16 bits) and its value (32 bits), in host order; frame 2: the endpoint.
        guard frames.count == 2, frames[0].count == 6 else { return nil }
        let code = frames[0].withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: UInt16.self) }
        let value = frames[0].withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 2, as: UInt32.self) }
        return SocketEvent(kind: SocketEvent.kind(of: code), value: value, endpoint: String(decoding: frames[1], as: UTF8.self))
    }

    public func close() { pair.close() }
}

extension Socket {
    /// Starts reporting this socket's connection events; call before `connect` to see them all.
    public func monitor() throws -> SocketMonitor {
        try SocketMonitor(watching: self, context: context)
    }
}

extension Poller {
    /// Adds a monitor's event socket; returns its index for `events(at:)`.
    @discardableResult
    public mutating func add(_ monitor: SocketMonitor) -> Int { add(monitor.pair) }
}
