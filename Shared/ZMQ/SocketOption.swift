import CZMQ
import Foundation

/// The socket options the services use, typed. Durations are in milliseconds, as libzmq takes them.
public enum SocketOption: Sendable {
    /// How long `close` keeps unsent messages; 0 drops them at once.
    case linger(milliseconds: Int32)
    case sendTimeout(milliseconds: Int32)
    case receiveTimeout(milliseconds: Int32)
    /// Messages queued per peer before sends block (or PUB drops).
    case sendHighWaterMark(Int32)
    case receiveHighWaterMark(Int32)
    /// Larger incoming messages are dropped and their sender disconnected.
    case maxMessageSize(bytes: Int64)
    /// A ROUTER reports `EHOSTUNREACH` for an unknown peer instead of silently dropping.
    case routerMandatory(Bool)
    case identity(Data)
    case subscribe(Data)
    case unsubscribe(Data)
    /// Queue messages only to completed connections.
    case immediate(Bool)
    case reconnectInterval(milliseconds: Int32)
    case reconnectIntervalMax(milliseconds: Int32)
    /// ZMTP heartbeats (ZMTP 3.1, libzmq 4.2+): send a PING when the connection has been quiet
    /// this long; the peer's libzmq answers PONG by itself, whatever its own threads are doing.
    case heartbeatInterval(milliseconds: Int32)
    /// Close the connection (and reconnect) when nothing, not even a PONG, arrives this long
    /// after a PING: a peer that is frozen or gone without a word is noticed.
    case heartbeatTimeout(milliseconds: Int32)
    /// Asks the peer to close the connection when it hears nothing from us this long
    /// (sent in each PING; libzmq rounds it down to tenths of a second).
    case heartbeatTTL(milliseconds: Int32)
    /// XPUB: report a subscriber at its high-water mark (`EAGAIN`) instead of dropping silently.
    case xpubNoDrop(Bool)
    /// XPUB: subscriptions are handed to the application and take effect only when it
    /// subscribes the peer that sent the last one (`subscribe`), so it can refuse them.
    case xpubManual(Bool)
    case curveServer(Bool)
    /// The ZAP domain a server's handshakes are authenticated in (RFC 27): the handler
    /// applies each domain's own rule.
    case zapDomain(String)
    /// Z85-encoded 40-character keys, as `Curve.keyPair()` makes them.
    case curvePublicKey(String)
    case curveSecretKey(String)
    case curveServerKey(String)
}

extension Socket {
    public func set(_ option: SocketOption) throws {
        switch option {
        case .linger(let ms): try set(ZMQ_LINGER, "ZMQ_LINGER", int32: ms)
        case .sendTimeout(let ms): try set(ZMQ_SNDTIMEO, "ZMQ_SNDTIMEO", int32: ms)
        case .receiveTimeout(let ms): try set(ZMQ_RCVTIMEO, "ZMQ_RCVTIMEO", int32: ms)
        case .sendHighWaterMark(let n): try set(ZMQ_SNDHWM, "ZMQ_SNDHWM", int32: n)
        case .receiveHighWaterMark(let n): try set(ZMQ_RCVHWM, "ZMQ_RCVHWM", int32: n)
        case .maxMessageSize(let bytes):
            var value = bytes
            try check("setsockopt ZMQ_MAXMSGSIZE") {
                zmq_setsockopt(handle, ZMQ_MAXMSGSIZE, &value, MemoryLayout<Int64>.size)
            }
        case .routerMandatory(let on): try set(ZMQ_ROUTER_MANDATORY, "ZMQ_ROUTER_MANDATORY", int32: on ? 1 : 0)
        case .identity(let id): try set(ZMQ_ROUTING_ID, "ZMQ_ROUTING_ID", bytes: id)
        case .subscribe(let prefix): try set(ZMQ_SUBSCRIBE, "ZMQ_SUBSCRIBE", bytes: prefix)
        case .unsubscribe(let prefix): try set(ZMQ_UNSUBSCRIBE, "ZMQ_UNSUBSCRIBE", bytes: prefix)
        case .immediate(let on): try set(ZMQ_IMMEDIATE, "ZMQ_IMMEDIATE", int32: on ? 1 : 0)
        case .reconnectInterval(let ms): try set(ZMQ_RECONNECT_IVL, "ZMQ_RECONNECT_IVL", int32: ms)
        case .reconnectIntervalMax(let ms): try set(ZMQ_RECONNECT_IVL_MAX, "ZMQ_RECONNECT_IVL_MAX", int32: ms)
        case .heartbeatInterval(let ms): try set(ZMQ_HEARTBEAT_IVL, "ZMQ_HEARTBEAT_IVL", int32: ms)
        case .heartbeatTimeout(let ms): try set(ZMQ_HEARTBEAT_TIMEOUT, "ZMQ_HEARTBEAT_TIMEOUT", int32: ms)
        case .heartbeatTTL(let ms): try set(ZMQ_HEARTBEAT_TTL, "ZMQ_HEARTBEAT_TTL", int32: ms)
        case .xpubNoDrop(let on): try set(ZMQ_XPUB_NODROP, "ZMQ_XPUB_NODROP", int32: on ? 1 : 0)
        case .xpubManual(let on): try set(ZMQ_XPUB_MANUAL, "ZMQ_XPUB_MANUAL", int32: on ? 1 : 0)
        case .curveServer(let on): try set(ZMQ_CURVE_SERVER, "ZMQ_CURVE_SERVER", int32: on ? 1 : 0)
        case .zapDomain(let domain): try set(ZMQ_ZAP_DOMAIN, "ZMQ_ZAP_DOMAIN", bytes: Data(domain.utf8))
        case .curvePublicKey(let key): try set(ZMQ_CURVE_PUBLICKEY, "ZMQ_CURVE_PUBLICKEY", bytes: Data(key.utf8))
        case .curveSecretKey(let key): try set(ZMQ_CURVE_SECRETKEY, "ZMQ_CURVE_SECRETKEY", bytes: Data(key.utf8))
        case .curveServerKey(let key): try set(ZMQ_CURVE_SERVERKEY, "ZMQ_CURVE_SERVERKEY", bytes: Data(key.utf8))
        }
    }

    public func set(_ options: [SocketOption]) throws {
        for option in options { try set(option) }
    }

    private func set(_ option: Int32, _ name: String, int32 value: Int32) throws {
        var value = value
        try check("setsockopt \(name)") { zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size) }
    }

    private func set(_ option: Int32, _ name: String, bytes: Data) throws {
        try check("setsockopt \(name)") {
            bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        }
    }
}
