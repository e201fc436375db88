import Foundation
import WireProtocol

/// Which webhook addresses are allowed: http or https only, and — unless explicitly
/// allowed — no host with an address in any special-purpose block (loopback, private,
/// link-local, documentation, NAT64, 6to4…: `SpecialPurposeAddresses`), so that a watch
/// cannot be aimed at the network the notifier sits in.
///
/// The host is looked up once per delivery attempt, and the attempt connects to the
/// address checked here (`Destination`): a name that resolves elsewhere on a second lookup
/// (DNS rebinding) gets no second lookup.
struct TargetPolicy: Sendable {
    let allowPrivate: Bool
    let resolver: HostResolver

    /// Where one delivery attempt goes: the URL as the watch has it (its host name is what
    /// the request and TLS name), and the address to connect to.
    struct Destination: Sendable {
        let url: URL
        /// The URL's host, without brackets: `HTTPClient` reads it the same way.
        let host: String
        let address: IPAddress
        /// True when the URL names the address itself, so there is no name to look up.
        var isLiteral: Bool { IPAddress(host) == address }
    }

    /// At `watch.add`: the URL, once it is http or https and its host resolves to public
    /// addresses only (with `--allow-private-webhooks`, its form alone is checked: a closed
    /// network's names may not resolve yet).
    func check(_ text: String) async throws -> URL {
        let (url, host) = try Self.parse(text)
        if !allowPrivate { _ = try await destination(url, host: host) }
        return url
    }

    /// Before each attempt: the host looked up once, every address it has checked, and the
    /// first (`getaddrinfo`'s preferred one) to connect to.
    func destination(for url: URL) async throws -> Destination {
        let (url, host) = try Self.parse(url.absoluteString)
        return try await destination(url, host: host)
    }

    private func destination(_ url: URL, host: String) async throws -> Destination {
        let addresses: [IPAddress]
        if let literal = IPAddress(host) {
            addresses = [literal]
        } else {
            addresses = try await resolver.addresses(of: host)
        }
        guard let first = addresses.first else {
            throw ErrorBody(code: .invalidRequest, message: "webhook host \(host) does not resolve")
        }
        if !allowPrivate {
            for address in addresses {
                if let finding = SpecialPurposeAddresses.finding(for: address) {
                    throw ErrorBody(code: .invalidRequest, message: "webhook host \(host) resolves to \(address), \(finding): "
                        + "not a public address; the notifier refuses loopback, private, link-local and every other "
                        + "special-purpose address unless started with --allow-private-webhooks")
                }
            }
        }
        return Destination(url: url, host: host, address: first)
    }

    private static func parse(_ text: String) throws -> (URL, host: String) {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let bracketed = url.host, !bracketed.isEmpty else {
            throw ErrorBody(code: .invalidRequest, message: "webhook must be an http or https URL, got \"\(text)\"")
        }
        var host = Substring(bracketed)
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        return (url, String(host))
    }
}
