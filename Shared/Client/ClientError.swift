import WireProtocol
import ZMQ

/// Why a request got no useful answer.
public enum ClientError: Error, CustomStringConvertible {
    /// Every instance refused the connection: nothing listens there.
    case refused(endpoints: [String])
    /// The service refused the CURVE handshake: this key is not on its allow-list (or may
    /// not reach this socket), the service's public key is not the one expected, or one
    /// side has keys and the other has none. `reason` says which, as far as libzmq tells.
    case handshakeRefused(endpoint: String, reason: String)
    /// No connection came up within the wait, and none was refused (a host that drops
    /// packets, or something that is not a ZeroMQ service).
    case noConnection(endpoint: String, waited: Duration)
    /// Connected, but no reply within the timeout, after every retry.
    case unreachable(endpoint: String, attempts: Int, timeout: Duration)
    /// The service answered with an error.
    case service(ErrorBody)
    /// The reply could not be read.
    case badReply(String)

    public var description: String {
        switch self {
        case .refused(let endpoints):
            "connection refused at \(endpoints.joined(separator: ", ")): nothing listens there"
        case let .handshakeRefused(endpoint, reason):
            "\(endpoint) refused the secure handshake: \(reason)"
        case let .noConnection(endpoint, waited):
            "no connection to \(endpoint) within \(waited.formattedSeconds)"
        case let .unreachable(endpoint, attempts, timeout):
            "no answer from \(endpoint) after \(attempts) attempt\(attempts == 1 ? "" : "s") of \(timeout.formattedSeconds) each"
        case .service(let error): error.description
        case .badReply(let why): "unreadable reply: \(why)"
        }
    }
}

extension Duration {
    var formattedSeconds: String {
        let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }
}

extension ClientError {
    /// What a failed handshake means, in words.
    public static func handshakeRefused(_ event: SocketEvent) -> ClientError {
        let reason = switch event.kind {
        case .handshakeFailedAuth where event.value == 400:
            "this key is not on the service's allow-list, or its identity may not connect to this socket"
        case .handshakeFailedAuth: "the service's authentication answered \(event.value)"
        case .handshakeFailedProtocol where event.value == 0x1100_0002:
            "one side uses CURVE keys and the other does not"
        case .handshakeFailedProtocol: "protocol error 0x\(String(event.value, radix: 16)) in the handshake"
        default: "the handshake failed (is the service's public key the right one?)"
        }
        return .handshakeRefused(endpoint: event.endpoint, reason: reason)
    }
}
