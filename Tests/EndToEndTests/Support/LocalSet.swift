import Foundation

/// The four services started as real processes on free loopback ports, each with its
/// own data folder under a fresh temporary directory.
final class LocalSet: Sendable {
    let ingest: String, store: String, feed: String, query: String, notifier: String, stream: String
    let dataRoot: URL
    let processes: [String: ServiceProcess]

    static func start(_ services: Set<String> = ["evidence-store", "ingest", "query", "notifier"],
                      environment: [String: String] = [:]) async throws -> LocalSet {
        let set = try LocalSet(services: services, environment: environment)
        for process in set.processes.values { try await process.waitForLine("listening", "role=requests") }
        return set
    }

    private init(services: Set<String>, environment: [String: String]) throws {
        (ingest, store, feed, query, notifier, stream) =
            (try freeEndpoint(), try freeEndpoint(), try freeEndpoint(), try freeEndpoint(), try freeEndpoint(), try freeEndpoint())
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        dataRoot = root
        let data = { (name: String) in root.appendingPathComponent(name).path }
        let arguments: [String: (String, [String])] = [
            "evidence-store": ("ldn-evidence-store", ["--bind", store, "--data-dir", data("store")]),
            "ingest": ("ldn-ingest", ["--bind", ingest, "--store", store]),
            "query": ("ldn-query", ["--bind", query, "--store", store, "--feed", feed, "--data-dir", data("query")]),
            "notifier": ("ldn-notifier", ["--bind", notifier, "--stream-bind", stream, "--store", store, "--feed", feed,
                                          "--data-dir", data("notifier")]),
        ]
        var processes: [String: ServiceProcess] = [:]
        for service in services {
            let (executable, args) = arguments[service]!
            processes[service] = try ServiceProcess(executable, args, environment: environment)
        }
        self.processes = processes
    }

    /// Flags that point `ldn` at this set.
    var clientFlags: [String] {
        ["--ingest", ingest, "--store", store, "--query", query, "--notifier", notifier]
    }

    /// SIGTERM to every service; returns each one's exit status.
    func stop() async throws -> [String: Int32] {
        var statuses: [String: Int32] = [:]
        for (name, process) in processes { statuses[name] = try await process.stop() }
        try? FileManager.default.removeItem(at: dataRoot)
        return statuses
    }
}
