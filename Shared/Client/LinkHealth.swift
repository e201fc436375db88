import ZMQ

/// What a link's socket monitor has said about its connections, read the one way every
/// client reads it: which endpoints are up, whether every one refuses (nothing listens
/// there), whether the last connection up was lost.
///
/// libzmq reports a refused connection attempt as `connectRetried`, but it also reports the
/// timer it starts after losing a connection that way, before trying again. So a
/// `connectRetried` right after a loss means "reconnecting", and only the next one (that
/// attempt failed too) means "refused".
public struct LinkHealth: Sendable {
    private enum Connection: Equatable {
        /// TCP is up; the ZMTP handshake is not done yet.
        case connected
        case up
        /// Lost: libzmq reconnects after its reconnect interval.
        case lost
        case reconnecting
        case refused
        /// The CURVE handshake failed (keys refused, or one side without keys). libzmq
        /// reconnects and fails the same way until the keys change, so it stays so until
        /// a handshake succeeds.
        case handshakeFailed
    }

    /// How the link as a whole changed with an event.
    public enum Change: Sendable, Equatable {
        /// A connection is up where none was.
        case up
        /// The last connection up was lost: whatever was in flight on it will not be answered.
        case lost
        /// Every endpoint now refuses connections.
        case refused
    }

    private var endpointCount: Int
    private var connections: [String: Connection] = [:]
    /// Endpoints the socket disconnected on purpose (`connecting(to:)`): their late events mean nothing.
    private var dropped: Set<String> = []
    /// Since when every endpoint has refused connections; nil while one is up or trying.
    public private(set) var refusedSince: ContinuousClock.Instant?
    /// When an attempt last failed with every endpoint refusing. A request that was waiting
    /// then was refused; one that came later waits for the next attempt: the service may be
    /// back by then, and libzmq tries again only after its reconnect interval.
    public private(set) var lastRefusal: ContinuousClock.Instant?
    /// Whether a connection came up at some point.
    public private(set) var wasUp = false
    /// The last failed handshake, while every endpoint refuses and one of them did so in its handshake.
    public private(set) var handshakeFailure: SocketEvent?

    public init(endpoints: Int) {
        endpointCount = endpoints
    }

    /// The socket's endpoints changed (a name's addresses did, `ReplicaDiscovery`): it
    /// connected `added`, disconnected `removed`, and now has `count`. What it knew of the
    /// removed ones is forgotten and their late events ignored, so "every endpoint refuses"
    /// and "none is up" count only the endpoints there are.
    public mutating func endpointsChanged(added: [String], removed: [String], count: Int) {
        dropped.formUnion(removed)
        dropped.subtract(added)
        for endpoint in removed { connections[endpoint] = nil }
        endpointCount = count
    }

    /// Whether a connection is up now (handshake done).
    public var isUp: Bool { connections.values.contains(.up) }

    /// Reads one event; returns how the link as a whole changed, if it did.
    @discardableResult
    public mutating func heard(_ event: SocketEvent, at now: ContinuousClock.Instant = .now) -> Change? {
        let (upBefore, refusedBefore) = (isUp, refusedSince != nil)
        if dropped.contains(event.endpoint) { return nil }
        if connections[event.endpoint] == .handshakeFailed,
           [.connected, .disconnected, .connectRetried].contains(event.kind) { return nil }
        switch event.kind {
        case .connected: connections[event.endpoint] = .connected
        case .handshakeSucceeded:
            connections[event.endpoint] = .up
            wasUp = true
        case .handshakeFailedAuth, .handshakeFailedProtocol, .handshakeFailedNoDetail:
            connections[event.endpoint] = .handshakeFailed
            handshakeFailure = event
        case .disconnected: connections[event.endpoint] = .lost
        case .connectRetried: connections[event.endpoint] = connections[event.endpoint] == .lost ? .reconnecting : .refused
        default: return nil
        }
        let allRefused = connections.values.count { $0 == .refused || $0 == .handshakeFailed } >= endpointCount
            && !connections.values.contains { $0 == .up || $0 == .connected }
        if !allRefused {
            (refusedSince, lastRefusal, handshakeFailure) = (nil, nil, nil)
        } else {
            if refusedSince == nil { refusedSince = now }
            if event.kind == .connectRetried || connections[event.endpoint] == .handshakeFailed { lastRefusal = now }
            if !connections.values.contains(.handshakeFailed) { handshakeFailure = nil }
        }
        switch (upBefore, isUp) {
        case (false, true): return .up
        case (true, false): return .lost
        default: return allRefused && !refusedBefore ? .refused : nil
        }
    }
}
