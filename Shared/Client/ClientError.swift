import WireProtocol

/// Why a request got no useful answer.
public enum ClientError: Error, CustomStringConvertible {
    /// Every instance refused the connection: nothing listens there.
    case refused(endpoints: [String])
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
