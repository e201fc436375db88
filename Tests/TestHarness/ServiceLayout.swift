import Foundation

/// Where a local set of the four services listens and keeps its data: free loopback
/// endpoints, a fresh temporary folder with a data folder per service, and each service's
/// flags for them. `LocalSet` spawns the executables with these flags; in-process tests
/// parse the same flags into the options their builders take.
public struct ServiceLayout: Sendable {
    public let ingest: String, store: String, feed: String, query: String, notifier: String, stream: String
    /// The harvester's endpoint: an optional member of the set (`LocalSet.optionalServices`).
    public let harvester: String
    public let dataRoot: URL

    public init() throws {
        (ingest, store, feed, query, notifier, stream) =
            (try freeEndpoint(), try freeEndpoint(), try freeEndpoint(), try freeEndpoint(), try freeEndpoint(), try freeEndpoint())
        harvester = try freeEndpoint()
        dataRoot = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dataRoot, withIntermediateDirectories: true)
    }

    /// A service's data folder.
    public func dataDirectory(_ service: String) -> String { dataRoot.appendingPathComponent(service).path }

    /// The flags that put `service` (`evidence-store`, `ingest`, `query`, `notifier` or `harvester`) in this layout.
    public func arguments(_ service: String) -> [String] {
        switch service {
        case "evidence-store": ["--bind", store, "--feed-bind", feed, "--data-dir", dataDirectory("store")]
        case "ingest": ["--bind", ingest, "--store", store]
        case "query": ["--bind", query, "--store", store, "--feed", feed, "--data-dir", dataDirectory("query")]
        case "notifier": ["--bind", notifier, "--stream-bind", stream, "--store", store, "--feed", feed,
                          "--data-dir", dataDirectory("notifier")]
        case "harvester": ["--bind", harvester, "--ingest", ingest, "--data-dir", dataDirectory("harvester")]
        default: preconditionFailure("no service named \(service)")
        }
    }

    /// Deletes the data folders.
    public func removeData() { try? FileManager.default.removeItem(at: dataRoot) }
}
