import ArgumentParser
import Foundation
import Client
import ServiceKit
import WireProtocol
import ZMQ

/// What a command that talks to one service takes: the endpoint, a timeout, the retries.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Seconds to wait for an answer before resending.")
    var timeout: Double = 10

    @Option(help: "Resends before giving up.")
    var retries: Int = 2

    @OptionGroup var keys: ClientKeyOptions

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be above 0") }
        guard retries >= 0 else { throw ValidationError("--retries must be 0 or more") }
    }

    func connect(_ endpoint: String, service: ServiceName) throws -> Connection {
        Connection(context: try Context(), endpoint: endpoint, timeout: .seconds(timeout), retries: retries,
                   security: try keys.socketOptions(for: service))
    }

    /// Sends one request and decodes the answer; a failure becomes its documented exit code
    /// after one clear line on standard error.
    /// `condition` is the condition the request names, so that "not found" can list the known ones.
    func call<Body: Decodable>(_ request: Request, to endpoint: String, service: ServiceName, as type: Body.Type,
                               condition: String? = nil) throws -> Body {
        let connection = try connect(endpoint, service: service)
        do {
            return try connection.call(request, as: type)
        } catch {
            throw exitForFailure(error, service: service, condition: condition, keys: keys)
        }
    }
}

/// Turns client failures into the documented exit codes with one plain sentence (or two).
func exitForFailure(_ error: ClientError, service: ServiceName, condition: String? = nil,
                    keys: ClientKeyOptions? = nil) -> ExitCode {
    switch error {
    case let .handshakeRefused(endpoint, reason):
        guard let keys, keys.folder != nil else {
            // Any failed handshake without keys means the same: the service wants them.
            Output.error("\(service.rawValue) at \(endpoint) refused ldn's plaintext connection: it requires CURVE keys.")
            Output.error("This service needs keys: pass --keys DIR (env LDN_KEYS) with your key and the services' public keys.")
            return ExitCode.refused
        }
        Output.error("\(service.rawValue) at \(endpoint) refused ldn's secure handshake \(keys.whoAmI): \(reason).")
        Output.error("Ask the operator to add your public key to the allow-list (ldn keys add NAME --role ROLE), "
                     + "or check that \(service.keyName).key in your folder is this deployment's.")
        return ExitCode.refused
    case .refused(let endpoints):
        Output.error(service.downMessage(at: endpoints, because: ServiceName.refusalReason(endpoints)))
        return ExitCode.unreachable
    case let .noConnection(endpoint, waited):
        Output.error(service.downMessage(at: [endpoint], because: "no connection within \(Output.seconds(waited.seconds))"
                                        + " (is the host up, and the port open?)"))
        return ExitCode.unreachable
    case let .unreachable(endpoint, attempts, timeout):
        Output.error("\(service.rawValue) at \(endpoint) accepted the connection but did not answer "
                     + "(\(attempts) attempt\(attempts == 1 ? "" : "s") of \(Output.seconds(timeout.seconds)) each). "
                     + "It may be overloaded or stuck: `ldn status` shows what is up, its log says more.")
        return ExitCode.unreachable
    case .service(let body):
        for line in ServiceErrorText.lines(for: body, service: service, condition: condition) { Output.error(line) }
        return body.code == .unavailable ? ExitCode.unreachable : ExitCode.refused
    case .badReply(let why):
        Output.error("\(service.rawValue) sent a reply ldn cannot read (\(why)); are ldn and the service the same version?")
        return ExitCode.unreachable
    }
}

extension ExitCode {
    /// Some records were rejected, a request was refused, or a service is unhealthy.
    static let refused = ExitCode(1)
    /// A service could not be reached or a file could not be read.
    static let unreachable = ExitCode(2)
}

extension ClientError {
    /// Refused for the key it was sent with: not admitted, or without the role.
    var isRefusedKey: Bool {
        switch self {
        case .handshakeRefused: true
        case .service(let body): body.code == .forbidden
        default: false
        }
    }
}
