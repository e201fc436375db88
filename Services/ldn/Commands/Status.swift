import ArgumentParser
import Foundation
import LDNClient
import WireProtocol
import ZMQ

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show whether each service is up, where, for how long, and which version.",
        discussion: "Exits 2, naming each service that did not answer and how to start it, when any is down.")

    @OptionGroup var endpoints: ServiceEndpoints

    @Option(help: "Seconds to wait for the answers.")
    var timeout: Double = 2

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    struct Row: Encodable {
        var service: String
        var endpoint: String
        var up: Bool
        var status: StatusReply?
        var error: String?
    }

    func run() throws {
        let targets = endpoints.all
        let context = try Context()
        let request = Request(type: MessageType.status, id: Output.requestID())
        let results = Probe.send(request, to: targets.map(\.endpoint), context: context, timeout: .seconds(timeout))

        let rows = zip(targets, results).map { target, result -> Row in
            switch result {
            case .success(let reply):
                do {
                    let status = try reply.decode(StatusReply.self)
                    guard status.service == target.service else {
                        return Row(service: target.service, endpoint: target.endpoint, up: false, status: status,
                                   error: "this endpoint is the \(status.service) service, not \(target.service)")
                    }
                    return Row(service: target.service, endpoint: target.endpoint, up: true, status: status)
                } catch {
                    return Row(service: target.service, endpoint: target.endpoint, up: false, error: "\(error)")
                }
            case .failure(.unreachable):
                return Row(service: target.service, endpoint: target.endpoint, up: false,
                           error: "no answer within \(Output.seconds(timeout))")
            case .failure(let error):
                return Row(service: target.service, endpoint: target.endpoint, up: false, error: error.description)
            }
        }

        if json {
            Output.json(rows)
        } else {
            var table = Table("SERVICE", "ENDPOINT", "STATE", "UPTIME", "VERSION")
            for row in rows {
                table.add(row.service, row.endpoint, row.up ? "up" : "down",
                          row.status.map { Output.duration(seconds: $0.uptimeSeconds) } ?? "-",
                          row.status?.version ?? "-")
            }
            print(table.render())
        }

        let down = zip(targets, rows).filter { !$0.1.up }
        for (target, row) in down {
            Output.error("""
                \(target.service) is down at \(target.endpoint): \(row.error ?? "no answer"). \
                Start it with `ldn-\(target.service)` (or ./scripts/run-local.sh for the whole set), \
                or point \(target.flag) / \(target.variable) at where it runs.
                """)
        }
        if !down.isEmpty { throw ExitCode(2) }
    }
}
