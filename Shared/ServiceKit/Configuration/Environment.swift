import Foundation

/// Settings come from flags first, then `LDN_*` environment variables, then local defaults.
/// Options take their default from here, so `--help` shows the value in effect.
public enum Setting {
    public static func string(_ variable: String, default fallback: String) -> String {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else { return fallback }
        return value
    }

    public static func int(_ variable: String, default fallback: Int) -> Int {
        Int(string(variable, default: "")) ?? fallback
    }

    public static func double(_ variable: String, default fallback: Double) -> Double {
        Double(string(variable, default: "")) ?? fallback
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
    public static let dataDirectory = "./.ldn-data"
}
