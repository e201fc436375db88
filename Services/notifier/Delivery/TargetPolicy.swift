import Foundation
import WireProtocol

/// Which webhook addresses are allowed: http or https only, and — unless explicitly
/// allowed — no host that resolves to a loopback, private, link-local or other
/// non-public address, so that a watch cannot be aimed at the network the notifier sits in.
struct TargetPolicy: Sendable {
    let allowPrivate: Bool

    func check(_ text: String) throws(ErrorBody) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty else {
            throw ErrorBody(code: .invalidRequest, message: "webhook must be an http or https URL, got \"\(text)\"")
        }
        guard !allowPrivate else { return url }
        let addresses = Self.resolve(host)
        guard !addresses.isEmpty else {
            throw ErrorBody(code: .invalidRequest, message: "webhook host \(host) does not resolve")
        }
        if let address = addresses.first(where: Self.isNonPublic) {
            throw ErrorBody(code: .invalidRequest,
                            message: "webhook host \(host) resolves to \(address), a loopback, private or link-local address; "
                                + "the notifier refuses those unless started with --allow-private-webhooks")
        }
        return url
    }

    /// The host's addresses, as text.
    static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(entry.pointee.ai_addr, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                addresses.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }

    static func isNonPublic(_ address: String) -> Bool {
        if address.contains(":") {
            let lower = address.lowercased()
            if lower == "::1" || lower == "::" { return true }
            if lower.hasPrefix("fe8") || lower.hasPrefix("fe9") || lower.hasPrefix("fea") || lower.hasPrefix("feb") { return true }
            if lower.hasPrefix("fc") || lower.hasPrefix("fd") { return true }
            if lower.hasPrefix("::ffff:") { return isNonPublic(String(lower.dropFirst(7))) }
            return false
        }
        let octets = address.split(separator: ".").compactMap { Int($0) }
        guard octets.count == 4 else { return true }
        switch (octets[0], octets[1]) {
        case (0, _), (10, _), (127, _): return true
        case (169, 254): return true
        case (172, 16...31): return true
        case (192, 168): return true
        case (100, 64...127): return true  // carrier-grade NAT
        default: return octets[0] >= 224  // multicast and reserved
        }
    }
}
