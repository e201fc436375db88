/// The endpoints a client's socket connects to for the ones it was given, kept current:
/// how a client finds every replica behind one name.
///
/// ZeroMQ resolves a host name when it connects, to one address. Where a name stands for
/// several instances (Docker Swarm's `tasks.query`, a Kubernetes headless Service), that
/// reaches one of them only. So a `tcp://NAME:PORT` whose name resolves to several IPv4
/// addresses is connected at each address, and resolved again every `interval`: new
/// addresses are connected, addresses gone are disconnected. Everything else stays as given,
/// exactly as ZeroMQ would take it: a literal address, a name with one address (ZeroMQ
/// resolves it again on each reconnect, so a restarted single instance with a new address is
/// found), a name that does not resolve (yet), other transports. A lookup that fails later
/// keeps what the name had: a DNS hiccup must not drop connections that work.
///
/// Resolving blocks: refresh on the socket's own thread (the caller's, or a pump's).
public struct ReplicaDiscovery: Sendable {
    /// The endpoints as given.
    public let configured: [String]
    public let interval: Duration
    private let resolver: AddressResolver
    /// Per configured endpoint, its host name and port when it has one to resolve.
    private let names: [(host: String, port: String)?]
    /// Per configured endpoint, what it stands for now.
    private var expansions: [[String]]
    /// When a refresh is due; nil when nothing given is a name, so nothing can change.
    public private(set) var nextCheck: ContinuousClock.Instant?

    /// How often a client resolves its names again unless told otherwise: a new replica
    /// gets requests within this long of appearing in DNS.
    public static let defaultInterval: Duration = .seconds(2)

    /// Nothing is resolved yet: the first `refresh()` does it (on the socket's thread).
    public init(endpoints: [String], interval: Duration = Self.defaultInterval, resolver: AddressResolver = .system,
                at now: ContinuousClock.Instant = .now) {
        configured = endpoints
        self.interval = interval
        self.resolver = resolver
        names = endpoints.map(Self.hostName(in:))
        expansions = endpoints.map { [$0] }
        nextCheck = names.contains { $0 != nil } ? now : nil
    }

    /// What to connect to now: each endpoint given, or its addresses, without repeats, in order.
    public var current: [String] {
        var seen: Set<String> = []
        return expansions.joined().filter { seen.insert($0).inserted }
    }

    /// What a refresh changed.
    public struct Change: Sendable, Equatable {
        public var added: [String] = []
        public var removed: [String] = []
        public var isEmpty: Bool { added.isEmpty && removed.isEmpty }
    }

    /// Resolves the names again if due; returns the endpoints to connect and to disconnect.
    public mutating func refresh(at now: ContinuousClock.Instant = .now) -> Change {
        guard let due = nextCheck, now >= due else { return Change() }
        nextCheck = now + interval
        let before = current
        for (index, name) in names.enumerated() {
            guard let (host, port) = name, let addresses = resolver.addresses(of: host), !addresses.isEmpty else { continue }
            expansions[index] = addresses.count > 1 ? addresses.map { "tcp://\($0):\(port)" } : [configured[index]]
        }
        let after = current
        return Change(added: after.filter { !before.contains($0) }, removed: before.filter { !after.contains($0) })
    }

    /// The host name and port of `tcp://NAME:PORT`; nil for a literal address, a wildcard,
    /// a source-address form (`tcp://SRC;HOST:PORT`), IPv6 brackets or another transport.
    static func hostName(in endpoint: String) -> (host: String, port: String)? {
        guard endpoint.hasPrefix("tcp://") else { return nil }
        let rest = endpoint.dropFirst("tcp://".count)
        guard !rest.contains(";"), !rest.hasPrefix("["), let colon = rest.lastIndex(of: ":") else { return nil }
        let host = String(rest[..<colon]), port = String(rest[rest.index(after: colon)...])
        guard !host.isEmpty, host != "*", !host.contains(":"), !port.isEmpty, port.allSatisfy(\.isNumber),
              !AddressResolver.isIPv4Literal(host) else { return nil }
        return (host, port)
    }
}
