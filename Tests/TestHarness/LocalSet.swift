import Foundation
import Synchronization
import ZMQ

/// The four services started as real processes on free loopback ports, each with its
/// own data folder under a fresh temporary directory. Services can be killed and
/// restarted with the same settings, as an operator would. Its endpoints and folders
/// (`set.store`, `set.dataRoot`…) are its layout's.
@dynamicMemberLookup
public final class LocalSet: Sendable {
    public let layout: ServiceLayout
    private let commands: [String: (executable: String, arguments: [String])]
    private let environment: [String: String]
    /// The deployment's keys when the set runs with them (`start(keys:)`).
    public let keys: TestKeys?
    private let running = Mutex<[String: ServiceProcess]>([:])

    public static let allServices: [String] = ["evidence-store", "ingest", "query", "notifier"]
    /// Services a test starts by name (`set.start("harvester")`); `start()` leaves them out.
    public static let optionalServices: [String] = ["harvester"]

    /// - Parameter keys: given, every service runs with this key folder (CURVE on every socket).
    public static func start(_ services: [String] = allServices, environment: [String: String] = [:],
                             extraArguments: [String: [String]] = [:], keys: TestKeys? = nil) async throws -> LocalSet {
        let set = try LocalSet(environment: environment, extraArguments: extraArguments, keys: keys)
        for service in services { try await set.start(service) }
        return set
    }

    private init(environment: [String: String], extraArguments: [String: [String]], keys: TestKeys?) throws {
        let layout = try ServiceLayout()
        self.layout = layout
        self.environment = environment
        self.keys = keys
        var commands: [String: (String, [String])] = [:]
        for service in Self.allServices + Self.optionalServices {
            commands[service] = ("ldn-\(service)", layout.arguments(service) + (keys.map { ["--keys", $0.path] } ?? []))
        }
        for (service, extra) in extraArguments { commands[service]!.1 += extra }
        self.commands = commands
    }

    /// Starts a service (again) with its settings and waits until it listens.
    @discardableResult
    public func start(_ service: String, extraArguments: [String] = []) async throws -> ServiceProcess {
        let (executable, arguments) = commands[service]!
        let process = try ServiceProcess(executable, arguments + extraArguments, environment: environment)
        running.withLock { $0[service] = process }
        try await waitUntilReady(process, service: service, arguments: arguments)
        return process
    }

    /// Ready means answering requests: the service group runs and handles SIGTERM and SIGINT
    /// (the "listening" line comes a moment before). With keys, asked as admin.
    func waitUntilReady(_ process: ServiceProcess, service: String, arguments: [String]) async throws {
        try await process.waitForLine("listening", "role=requests")
        guard let index = arguments.firstIndex(of: "--bind") else { return }
        let endpoint = arguments[index + 1]
        let security = try keys?.client(to: service) ?? []
        try await eventually("\(process.name) answers status at \(endpoint)", timeout: .seconds(20)) {
            (try? await status(endpoint, security: security)) != nil
        }
    }

    /// The options an identity connects to one of the set's services with (none without keys).
    public func security(_ identity: String = "admin", to service: String) throws -> [SocketOption] {
        try keys?.client(identity, to: service) ?? []
    }

    public subscript<Value>(dynamicMember path: KeyPath<ServiceLayout, Value>) -> Value { layout[keyPath: path] }

    public func process(_ service: String) -> ServiceProcess? { running.withLock { $0[service] } }

    /// A second instance of a service on its own port (and, given one, its own data folder),
    /// sharing the rest of the settings, plus `extraArguments`.
    public func startExtra(_ service: String, bind: String, dataDirectory: String? = nil,
                           extraArguments: [String] = []) async throws -> ServiceProcess {
        var (executable, arguments) = commands[service]!
        if let index = arguments.firstIndex(of: "--bind") { arguments[index + 1] = bind }
        if let dataDirectory, let index = arguments.firstIndex(of: "--data-dir") {
            arguments[index + 1] = layout.dataRoot.appendingPathComponent(dataDirectory).path
        }
        let process = try ServiceProcess(executable, arguments + extraArguments, environment: environment)
        try await waitUntilReady(process, service: service, arguments: arguments)
        return process
    }

    /// SIGKILL: no drain, no clean shutdown, as in a crash.
    public func kill9(_ service: String) async throws {
        guard let process = process(service) else { return }
        process.signal(SIGKILL)
        _ = try await process.waitForExit()
    }

    /// Flags that point `ldn harvest` at this set's harvester.
    public var harvesterFlags: [String] { ["--harvester", layout.harvester] }

    /// Flags that point `ldn` at this set.
    public var clientFlags: [String] {
        ["--ingest", layout.ingest, "--store", layout.store, "--query", layout.query, "--notifier", layout.notifier]
    }

    /// The environment that points `ldn` at this set, whatever the command.
    public var clientEnvironment: [String: String] {
        ["LDN_INGEST_ENDPOINT": layout.ingest, "LDN_STORE_ENDPOINT": layout.store, "LDN_QUERY_ENDPOINT": layout.query,
         "LDN_NOTIFIER_ENDPOINT": layout.notifier, "LDN_NOTIFIER_STREAM_ENDPOINT": layout.stream]
    }

    /// Sends a signal to every running service (SIGHUP: re-read the allow-list).
    public func signalAll(_ signal: Int32) {
        for process in processes.values { process.signal(signal) }
    }

    /// SIGTERM to every running service; returns each one's exit status. The data folders
    /// are removed unless `keepingData` (a benchmark's `--keep-data`).
    public func stop(keepingData: Bool = false) async throws -> [String: Int32] {
        var statuses: [String: Int32] = [:]
        for (name, process) in running.withLock({ $0 }) { statuses[name] = try await process.stop() }
        if !keepingData { layout.removeData() }
        keys?.remove()
        return statuses
    }

    public var processes: [String: ServiceProcess] { running.withLock { $0 } }

    deinit {
        for process in running.withLock({ Array($0.values) }) { process.signal(SIGKILL) }
    }
}

extension LocalSet {
    /// Kills whatever is still running: a failed test must not leave services behind.
    public func killAll() {
        for process in processes.values { process.signal(SIGKILL) }
    }
}
