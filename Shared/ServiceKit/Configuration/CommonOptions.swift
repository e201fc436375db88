import Foundation
import ArgumentParser
import Logging

/// Flags every service takes.
public struct CommonOptions: ParsableArguments, Sendable {
    @Option(help: "Log lines as text or json (env LDN_LOG_FORMAT).")
    public var logFormat: LogFormat = Setting.choice("LDN_LOG_FORMAT", default: LogFormat.text)

    @Option(help: "Lowest level logged: trace, debug, info, notice, warning, error, critical (env LDN_LOG_LEVEL).")
    public var logLevel: Logger.Level = Setting.choice("LDN_LOG_LEVEL", default: Logger.Level.info)

    @Option(help: "Seconds between throughput lines in the log; 0 turns them off (env LDN_STATS_INTERVAL).")
    public var statsInterval: Double = Setting.double("LDN_STATS_INTERVAL", default: 10)

    @Option(help: "Largest request accepted, in bytes; larger ones are answered too_large (env LDN_MAX_MESSAGE_BYTES).")
    public var maxMessageBytes: Int = Setting.int("LDN_MAX_MESSAGE_BYTES", default: 16 << 20)

    @Option(help: ArgumentHelp("The deployment's key folder: CURVE keys and the allow-list (env LDN_KEYS). Without it the service speaks plaintext, and only on loopback unless --insecure. See docs/SECURITY.md.",
                               valueName: "dir"))
    public var keys: String?

    @Option(help: "Whose key pair in the key folder this process uses (env LDN_IDENTITY); by default the service's own name.")
    public var identity: String?

    @Option(help: ArgumentHelp("Serve Prometheus metrics over HTTP at http://HOST:PORT/metrics, e.g. 127.0.0.1:9100 (env LDN_METRICS_BIND); off when not given. Read-only counts, no record data: allowed on any address. See docs/OPERATIONS.md, \"Metrics\".",
                               valueName: "host:port"))
    public var metricsBind: MetricsBind?

    @Flag(help: "Allow plaintext on endpoints other hosts can reach (env LDN_INSECURE=1); logged as a warning at start.")
    public var insecure = false

    public init() {}

    /// The key folder, from the flag or the environment.
    public var keyFolder: String? { keys ?? Setting.optional("LDN_KEYS") }
    public var keyIdentity: String? { identity ?? Setting.optional("LDN_IDENTITY") }
    public var allowsPlaintext: Bool { insecure || Setting.flag("LDN_INSECURE") }
    /// Where metrics are served, from the flag or the environment; nil: not served.
    public var metricsAddress: MetricsBind? {
        metricsBind ?? Setting.optional("LDN_METRICS_BIND").flatMap { MetricsBind(argument: $0.trimmingCharacters(in: .whitespaces)) }
    }

    public func validate() throws {
        _ = allowsPlaintext  // a malformed LDN_INSECURE is reported with the other variables
        if let problem = Setting.problems.first {
            throw ValidationError(Setting.problems.count == 1 ? problem : Setting.problems.joined(separator: "; "))
        }
        if metricsBind == nil, let text = Setting.optional("LDN_METRICS_BIND"), metricsAddress == nil {
            throw ValidationError("LDN_METRICS_BIND=\(text) is not HOST:PORT with an IP address, e.g. 127.0.0.1:9100 or [::1]:9100")
        }
        guard statsInterval >= 0 else { throw ValidationError("--stats-interval must be 0 or more seconds") }
        guard maxMessageBytes >= 1024 else { throw ValidationError("--max-message-bytes must be at least 1024") }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}
