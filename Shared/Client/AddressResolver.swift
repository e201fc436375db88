import Foundation

/// Where a client's host names become addresses: the system's resolver (`getaddrinfo`,
/// IPv4), or, in tests, a list they control. It blocks for as long as a DNS lookup takes:
/// call it on a socket's own thread, never on the cooperative pool.
public struct AddressResolver: Sendable {
    private let lookup: @Sendable (_ host: String) -> [String]?

    /// `lookup` gives a host's IPv4 addresses in dotted form, or nil when it cannot resolve it now.
    public init(_ lookup: @escaping @Sendable (_ host: String) -> [String]?) {
        self.lookup = lookup
    }

    /// The IPv4 addresses of `host`, sorted, without repeats; nil when it does not resolve now.
    public func addresses(of host: String) -> [String]? {
        lookup(host).map { Array(Set($0)).sorted() }
    }

    /// The system's resolver: /etc/hosts, then DNS (Docker's embedded DNS in a container),
    /// as every program on the host resolves names.
    public static let system = AddressResolver { host in
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        for entry in sequence(first: first, next: { $0.pointee.ai_next }) {
            guard entry.pointee.ai_family == AF_INET, let address = entry.pointee.ai_addr else { continue }
            var numeric = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            if inet_ntop(AF_INET, &numeric, &text, socklen_t(INET_ADDRSTRLEN)) != nil {
                addresses.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
        }
        return addresses
    }

    /// Whether `host` is an IPv4 address already (nothing to resolve).
    static func isIPv4Literal(_ host: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, host, &address) == 1
    }
}
