import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Client
import WireProtocol
import ZMQ

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show whether each service is up, where, for how long, and which version.",
        discussion: "Exits 2, naming each service that did not answer and how to start it, when any is down.")

    @OptionGroup var endpoints: ServiceEndpoints

    @OptionGroup var keys: ClientKeyOptions

    @Option(name: .customLong("service"), help: ArgumentHelp(
        "Only this service (repeatable): ingest, evidence-store, query, notifier, harvester. For health checks.", valueName: "name"))
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
        let known = Set(endpoints.all(includingHarvester: true).map(\.service.rawValue))
        for service in services where !known.contains(service) {
            throw ValidationError("unknown service \"\(service)\"; the services are \(known.sorted().joined(separator: ", "))")
        }
    }

    /// The (service, endpoint) pairs to ask, narrowed by `--service`. With keys, a service
    /// whose public key the folder lacks is not asked unless named: a user's folder holds only
    /// the keys of the public services (the store is for services and admins).
    var targets: [(service: ServiceName, endpoint: String)] {
        endpoints.all(includingHarvester: services.contains(ServiceName.harvester.rawValue)).filter { target in
            guard services.isEmpty else { return services.contains(target.service.rawValue) }
            return keys.hasPublicKey(of: target.service)
        }
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

        let down = rows.filter { !$0.up }
        for row in down { Output.error(row.error ?? "\(row.service) is down at \(row.endpoint)") }
        if !down.isEmpty { throw ExitCode.unreachable }
    }

    /// Asks every service for its status at once.
    func probe(_ targets: [(service: ServiceName, endpoint: String)], context: Context) -> [Row] {
        let request = Request(type: MessageType.status, id: Output.requestID())
        // A service whose public key the folder lacks is reported, not asked in plaintext.
        let security = targets.map { target in Result { try keys.socketOptions(for: target.service) } }
        var results = Probe.send(request, to: targets.map(\.endpoint), context: context, timeout: .seconds(timeout),
                                 security: { (try? security[$0].get()) ?? [] })
        for (index, keys) in security.enumerated() {
            if case .failure(let error) = keys { results[index] = .failure(.badReply("\(error)")) }
        }
        return zip(targets, results).map { target, result -> Row in
            let (service, endpoint) = (target.service, target.endpoint)
            func down(_ why: String, _ status: StatusReply? = nil) -> Row {
                Row(service: service.rawValue, endpoint: endpoint, up: false, status: status, error: why)
            }
            switch result {
            case .success(let reply):
                do {
                    let status = try reply.decode(StatusReply.self)
                    guard status.service == service.rawValue else {
                        return down("\(endpoint) is the \(status.service) service, not \(service.rawValue). "
                                    + "Point \(service.flag) / \(service.variable) at the \(service.rawValue) service.", status)
                    }
                    return Row(service: service.rawValue, endpoint: endpoint, up: true, status: status)
                } catch {
                    return down("\(service.rawValue) at \(endpoint) sent a status ldn cannot read (\(error)); "
                                + "are ldn and the service the same version?")
                }
            case let .failure(.handshakeRefused(_, reason)):
                return down("\(service.rawValue) at \(endpoint) refused ldn's key \(keys.whoAmI): \(reason)")
            case .failure(.refused):
                return down(service.downMessage(at: [endpoint], because: ServiceName.refusalReason([endpoint])))
            case .failure(.noConnection):
                return down(service.downMessage(at: [endpoint], because: "no connection within \(Output.seconds(timeout)) "
                                                + "(is the host up, and the port open?)"))
            case .failure(.unreachable):
                return down("\(service.rawValue) at \(endpoint) accepted the connection but did not answer within "
                            + "\(Output.seconds(timeout)); it may be overloaded or stuck (its log says more).")
            case .failure(let error):
                return down("\(service.rawValue) at \(endpoint): \(error)")
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
