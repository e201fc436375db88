import Foundation
import ServiceKit

/// The services `ldn` talks to, with what a person needs to start one or point `ldn` at it.
enum ServiceName: String, CaseIterable {
    case ingest
    case store = "evidence-store"
    case query
    case notifier
    /// The notifier's live stream (`ldn watch follow`).
    case notifierStream = "notifier stream"
    case harvester

    var executable: String {
        switch self {
        case .ingest: "ldn-ingest"
        case .store: "ldn-evidence-store"
        case .query: "ldn-query"
        case .notifier, .notifierStream: "ldn-notifier"
        case .harvester: "ldn-harvester"
        }
    }

    var flag: String { "--" + optionName }

    /// The name of `ldn`'s option for this service's endpoint.
    var optionName: String {
        switch self {
        case .ingest: "ingest"
        case .store: "store"
        case .query: "query"
        case .notifier: "notifier"
        case .notifierStream: "stream"
        case .harvester: "harvester"
        }
    }

    var variable: String {
        switch self {
        case .ingest: "LDN_INGEST_ENDPOINT"
        case .store: "LDN_STORE_ENDPOINT"
        case .query: "LDN_QUERY_ENDPOINT"
        case .notifier: "LDN_NOTIFIER_ENDPOINT"
        case .notifierStream: "LDN_NOTIFIER_STREAM_ENDPOINT"
        case .harvester: "LDN_HARVESTER_ENDPOINT"
        }
    }

    /// Where the service listens when neither a flag nor `variable` says otherwise.
    var defaultEndpoint: String {
        switch self {
        case .ingest: DefaultEndpoint.ingest
        case .store: DefaultEndpoint.storeRequests
        case .query: DefaultEndpoint.query
        case .notifier: DefaultEndpoint.notifierRequests
        case .notifierStream: DefaultEndpoint.notifierStream
        case .harvester: DefaultEndpoint.harvester
        }
    }

    /// The endpoint(s) in `variable`, else the default: where `ldn`'s option for the service starts.
    var configuredEndpoint: String { Setting.string(variable, default: defaultEndpoint) }

    /// "Start it with `ldn-query` (or …), or point --query / LDN_QUERY_ENDPOINT at where it runs."
    var startHint: String {
        "Start it with `\(executable)` (or ./scripts/run-local.sh for the whole set), "
            + "or point \(flag) / \(variable) at where it runs."
    }

    /// One line for a service that is not there: where it was looked for, what happened, what to do.
    func downMessage(at endpoints: [String], because reason: String) -> String {
        let place = endpoints.count == 1 ? endpoints[0] : "any of " + endpoints.joined(separator: ", ")
        return "\(rawValue) is not running at \(place): \(reason). \(startHint)"
    }

    /// Why connections to `endpoints` were refused, in words: an unknown host name, or nothing listening.
    static func refusalReason(_ endpoints: [String]) -> String {
        let unknown = endpoints.compactMap(unknownHost)
        guard !unknown.isEmpty else { return "the connection was refused (nothing listens there)" }
        return "the host name\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", ")) cannot be resolved"
    }

    /// The host of a `tcp://host:port` endpoint when it is a name that does not resolve.
    private static func unknownHost(_ endpoint: String) -> String? {
        guard endpoint.hasPrefix("tcp://"), let colon = endpoint.lastIndex(of: ":") else { return nil }
        let host = String(endpoint[endpoint.index(endpoint.startIndex, offsetBy: 6)..<colon])
        guard !host.isEmpty, host != "*" else { return nil }
        var result: UnsafeMutablePointer<addrinfo>?
        defer { if let result { freeaddrinfo(result) } }
        return getaddrinfo(host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), nil, nil, &result) == 0 ? nil : host
    }
}
