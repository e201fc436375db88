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

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be above 0") }
        guard retries >= 0 else { throw ValidationError("--retries must be 0 or more") }
    }

    func connect(_ endpoint: String) throws -> Connection {
        Connection(context: try Context(), endpoint: endpoint, timeout: .seconds(timeout), retries: retries)
    }

    /// Sends one request and decodes the answer; a failure becomes its documented exit code
    /// after one clear line on standard error.
    /// `condition` is the condition the request names, so that "not found" can list the known ones.
    func call<Body: Decodable>(_ request: Request, to endpoint: String, service: ServiceName, as type: Body.Type,
                               condition: String? = nil) throws -> Body {
        let connection = try connect(endpoint)
        do {
            return try connection.call(request, as: type)
        } catch {
            throw exitForFailure(error, service: service, condition: condition)
        }
    }
}

/// Turns client failures into the documented exit codes with one plain sentence (or two).
func exitForFailure(_ error: ClientError, service: ServiceName, condition: String? = nil) -> ExitCode {
    switch error {
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
