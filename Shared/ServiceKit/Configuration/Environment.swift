import Foundation
import Synchronization

/// Settings come from flags first, then `LDN_*` environment variables, then local defaults.
/// Options take their default from here, so `--help` shows the value in effect.
///
/// A variable that is set but malformed (`LDN_MAX_MESSAGE_BYTES=16MB`) is never replaced by
/// the default in silence: it is noted, and `CommonOptions.validate()` stops the service
/// naming the variable.
///
/// Why not apple/swift-configuration: the flags are ArgumentParser's, and their defaults must
/// be plain values read before parsing so that `--help` shows them; the environment is the
/// only other source. A reader per type over `ProcessInfo` does that in these few lines,
/// where the library would add a dependency and a second way to declare each setting.
public enum Setting {
    private static let malformed = Mutex<[String]>([])

    /// What was wrong with the environment, one sentence per variable.
    public static var problems: [String] { malformed.withLock { $0 } }

    public static func string(_ variable: String, default fallback: String) -> String {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else { return fallback }
        return value
    }

    /// A variable's text when it is set and not empty.
    public static func optional(_ variable: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else { return nil }
        return value
    }

    /// A yes/no variable: 1, true or yes; 0, false or no (`LDN_INSECURE=1`).
    public static func flag(_ variable: String) -> Bool {
        parsed(variable, false, expected: "1 or 0") { text in
            switch text.lowercased() {
            case "1", "true", "yes": true
            case "0", "false", "no": false
            default: nil
            }
        }
    }

    public static func int(_ variable: String, default fallback: Int) -> Int {
        parsed(variable, fallback, expected: "a whole number") { Int($0) }
    }

    public static func double(_ variable: String, default fallback: Double) -> Double {
        parsed(variable, fallback, expected: "a number") { Double($0).flatMap { $0.isFinite ? $0 : nil } }
    }

    /// One of a type's values by its name (`LDN_LOG_LEVEL=debug`).
    public static func choice<Value: RawRepresentable & CaseIterable>(_ variable: String, default fallback: Value) -> Value
    where Value.RawValue == String {
        let names = Value.allCases.map(\.rawValue).joined(separator: ", ")
        return parsed(variable, fallback, expected: "one of \(names)") { Value(rawValue: $0.lowercased()) }
    }

    private static func parsed<Value>(_ variable: String, _ fallback: Value, expected: String,
                                      _ parse: (String) -> Value?) -> Value {
        guard let text = ProcessInfo.processInfo.environment[variable], !text.isEmpty else { return fallback }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let value = parse(trimmed) { return value }
        malformed.withLock { $0.append("\(variable)=\(text) is not \(expected)") }
        return fallback
    }
}

/// The local defaults: every service on loopback, one port block each.
public enum DefaultEndpoint {
    public static let ingest = "tcp://127.0.0.1:5550"
    public static let storeRequests = "tcp://127.0.0.1:5560"
    public static let storeFeed = "tcp://127.0.0.1:5561"
    public static let query = "tcp://127.0.0.1:5570"
    public static let notifierRequests = "tcp://127.0.0.1:5580"
    public static let notifierStream = "tcp://127.0.0.1:5581"
    public static let harvester = "tcp://127.0.0.1:5590"
    public static let dataDirectory = "./.ldn-data"
}
