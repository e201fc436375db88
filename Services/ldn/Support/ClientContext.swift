import ArgumentParser
import Foundation
import LDNClient
import ServiceKit
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
        for detail in body.details { Output.error("  \(detail.field.map { "\($0): " } ?? "")\(detail.message)") }
        return ExitCode(1)
    case .badReply:
        Output.error("\(error)")
        return ExitCode(2)
    }
}
