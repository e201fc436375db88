import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LDNClient
import WireProtocol
import ZMQ

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show whether each service is up, where, for how long, and which version.",
        discussion: "Exits 2, naming each service that did not answer and how to start it, when any is down.")

    @OptionGroup var endpoints: ServiceEndpoints

    @Option(name: .customLong("service"), help: ArgumentHelp(
        "Only this service (repeatable): ingest, evidence-store, query, notifier. For health checks.", valueName: "name"))
    var services: [String] = []

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

    @Flag(help: "Refresh a compact table of every service until Ctrl-C: sequence, lag, requests per second, errors, drops.")
    var watch = false

    @Option(help: "Seconds between refreshes with --watch.")
    var interval: Double = 2

    @Option(help: "With --watch, stop after this many refreshes (default: until Ctrl-C).")
    var count: Int?

    func validate() throws {
        guard interval >= 0.2 else { throw ValidationError("--interval must be at least 0.2 seconds") }
        let known = Set(endpoints.all.map(\.service))
        for service in services where !known.contains(service) {
            throw ValidationError("unknown service \"\(service)\"; the services are \(known.sorted().joined(separator: ", "))")
        }
    }

    /// The (service, endpoint) pairs to ask, narrowed by `--service`.
    var targets: [(service: String, endpoint: String, flag: String, variable: String)] {
        endpoints.all.filter { services.isEmpty || services.contains($0.service) }
    }

    func run() throws {
        let context = try Context()
        if watch { return try watchLoop(context: context) }
        let rows = probe(targets, context: context)
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

    /// Asks every service for its status at once.
    func probe(_ targets: [(service: String, endpoint: String, flag: String, variable: String)], context: Context) -> [Row] {
        let request = Request(type: MessageType.status, id: Output.requestID())
        let results = Probe.send(request, to: targets.map(\.endpoint), context: context, timeout: .seconds(timeout))
        return zip(targets, results).map { target, result -> Row in
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
    }

    /// `--watch`: the table again every `interval`, requests per second from the change in
    /// each service's request count since the previous refresh.
    func watchLoop(context: Context) throws {
        let terminal = isatty(STDOUT_FILENO) != 0
        var previous: [String: (requests: Int, at: ContinuousClock.Instant)] = [:]
        var refreshes = 0
        while count.map({ refreshes < $0 }) ?? true {
            let started = ContinuousClock.now
            let rows = probe(targets, context: context)
            var table = Table("SERVICE", "ENDPOINT", "STATE", "UPTIME", "SEQ", "LAG", "REQ/S", "ERRORS", "DROPS")
            for row in rows {
                let status = row.status
                let requests = status?.counters["requests"] ?? 0
                let rate = previous[row.endpoint].map { last in
                    String(format: "%.1f", Double(requests - last.requests) / max((started - last.at).seconds, 0.001))
                } ?? "-"
                if row.up { previous[row.endpoint] = (requests, started) } else { previous[row.endpoint] = nil }
                let sequence = status?.sequence
                table.add(row.service, row.endpoint, row.up ? "up" : "down",
                          status.map { Output.duration(seconds: $0.uptimeSeconds) } ?? "-",
                          (sequence?.applied ?? sequence?.head).map(String.init) ?? "-",
                          sequence?.lag.map(String.init) ?? "-",
                          row.up ? rate : "-",
                          status?.counters["errors"].map(String.init) ?? "-",
                          status?.counters["stream.dropped"].map(String.init) ?? "-")
            }
            let up = rows.count { $0.up }
            // Written at once, unbuffered: someone (or a pipe) reads it while the command runs.
            Output.line((terminal ? "\u{1B}[H\u{1B}[2J" : "")
                + "\(Date().formatted(Date.ISO8601FormatStyle()))  \(up) of \(rows.count) up  (every \(Output.seconds(interval)); Ctrl-C stops)\n"
                + table.render(width: 120) + (terminal ? "" : "\n"))
            refreshes += 1
            if count.map({ refreshes >= $0 }) == true { break }
            Thread.sleep(forTimeInterval: max(0, interval - (ContinuousClock.now - started).seconds))
        }
    }
}
