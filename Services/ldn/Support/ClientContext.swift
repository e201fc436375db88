import ArgumentParser
import Foundation
import LDNClient
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
    func call<Body: Decodable>(_ request: Request, to endpoint: String, service: String, as type: Body.Type) throws -> Body {
        let connection = try connect(endpoint)
        do {
            return try connection.call(request, as: type)
        } catch {
            throw exitForFailure(error, service: service)
        }
    }
}

/// Turns client failures into the documented exit codes with one clear line.
func exitForFailure(_ error: ClientError, service: String) -> ExitCode {
    switch error {
    case .unreachable(let endpoint, _, _):
        Output.error("\(error). Is \(service) running at \(endpoint)? `ldn status` shows what is up.")
        return ExitCode(2)
    case .service(let body) where body.code == .unavailable:
        Output.error("\(service) is up but cannot do this now: \(body.message)")
        return ExitCode(2)
    case .service(let body):
        Output.error("\(service) answered \(body.code.rawValue): \(body.message)")
        if body.code == .invalidRecord || body.code == .invalidRequest {
            for detail in body.details { Output.error("  \(detail.field.map { "\($0): " } ?? "")\(detail.message)") }
        }
        return ExitCode(1)
    case .badReply:
        Output.error("\(error)")
        return ExitCode(2)
    }
}
