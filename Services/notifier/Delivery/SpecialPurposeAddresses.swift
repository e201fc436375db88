/// The addresses a webhook must not reach: every block of IANA's IPv4 and IPv6
/// Special-Purpose Address Registries (RFC 6890 and its updates), whether or not the
/// registry calls it globally reachable, plus multicast, the deprecated site-local and
/// IPv4-compatible blocks, and any IPv6 address outside global unicast (2000::/3).
///
/// Blocks that carry an IPv4 address inside an IPv6 one (IPv4-mapped, NAT64, 6to4, Teredo…)
/// are refused whatever they carry; the carried address is named in the refusal, as it
/// tells an operator where the request would have gone.
enum SpecialPurposeAddresses {
    struct Block: Sendable {
        let prefix: IPAddress
        let bits: Int
        let name: String
        /// The IPv4 address an address of this block carries, if it carries one.
        let embedded: (@Sendable (IPAddress) -> IPAddress?)?

        /// "NAT64 (64:ff9b::/96)".
        var label: String { "\(name) (\(prefix)/\(bits))" }

        func contains(_ address: IPAddress) -> Bool { address.hasPrefix(prefix.bytes, bits: bits) }
    }

    /// What the policy says of a non-public address: its block, and the IPv4 address it carries.
    struct Finding: Sendable, CustomStringConvertible {
        let block: Block
        let embedded: IPAddress?

        var description: String {
            block.label + (embedded.map { ", carrying \($0)" } ?? "")
        }
    }

    /// The special-purpose block `address` lies in; nil for a public address.
    static func finding(for address: IPAddress) -> Finding? {
        let blocks = address.isIPv4 ? ipv4 : ipv6
        if let block = blocks.first(where: { $0.contains(address) }) {
            return Finding(block: block, embedded: block.embedded?(address))
        }
        if !address.isIPv4 && !globalUnicast.contains(address) {
            return Finding(block: Block("2000::", 3, "outside global unicast"), embedded: nil)
        }
        return nil
    }

    /// Bytes 12–15: IPv4-mapped, -compatible, -translated, and NAT64 with a /96 prefix.
    private static let lastFour: @Sendable (IPAddress) -> IPAddress? = { IPAddress(bytes: Array($0.bytes[12...])) }

    /// Most specific first, where blocks nest: the first match names the address.
    static let ipv4: [Block] = [
        Block("0.0.0.0", 8, "this network"),
        Block("10.0.0.0", 8, "private"),
        Block("100.64.0.0", 10, "shared address space (carrier-grade NAT)"),
        Block("127.0.0.0", 8, "loopback"),
        Block("169.254.0.0", 16, "link-local"),
        Block("172.16.0.0", 12, "private"),
        Block("192.0.0.0", 24, "IETF protocol assignments"),
        Block("192.0.2.0", 24, "documentation (TEST-NET-1)"),
        Block("192.31.196.0", 24, "AS112"),
        Block("192.52.193.0", 24, "AMT"),
        Block("192.88.99.0", 24, "6to4 relay anycast (deprecated)"),
        Block("192.168.0.0", 16, "private"),
        Block("192.175.48.0", 24, "AS112 direct delegation"),
        Block("198.18.0.0", 15, "benchmarking"),
        Block("198.51.100.0", 24, "documentation (TEST-NET-2)"),
        Block("203.0.113.0", 24, "documentation (TEST-NET-3)"),
        Block("224.0.0.0", 4, "multicast"),
        Block("255.255.255.255", 32, "limited broadcast"),
        Block("240.0.0.0", 4, "reserved"),
    ]

    static let ipv6: [Block] = [
        Block("::", 128, "unspecified"),
        Block("::1", 128, "loopback"),
        Block("::ffff:0:0", 96, "IPv4-mapped", embedded: lastFour),
        Block("::ffff:0:0:0", 96, "IPv4-translated", embedded: lastFour),
        Block("::", 96, "IPv4-compatible (deprecated)", embedded: lastFour),
        Block("64:ff9b::", 96, "NAT64", embedded: lastFour),
        // RFC 6052 with a /48 prefix: the IPv4 address is in bytes 6–7 and 9–10 (byte 8 is zero).
        Block("64:ff9b:1::", 48, "local-use NAT64", embedded: { IPAddress(bytes: [$0.bytes[6], $0.bytes[7], $0.bytes[9], $0.bytes[10]]) }),
        Block("100::", 64, "discard-only"),
        Block("100:0:0:1::", 64, "dummy prefix"),
        // The client's address, in the last four bytes, inverted (RFC 4380).
        Block("2001::", 32, "Teredo", embedded: { IPAddress(bytes: $0.bytes[12...].map { ~$0 }) }),
        Block("2001::", 23, "IETF protocol assignments"),
        Block("2001:db8::", 32, "documentation"),
        Block("2002::", 16, "6to4", embedded: { IPAddress(bytes: Array($0.bytes[2..<6])) }),
        Block("2620:4f:8000::", 48, "AS112 direct delegation"),
        Block("3fff::", 20, "documentation"),
        Block("5f00::", 16, "segment routing"),
        Block("fc00::", 7, "unique local (private)"),
        Block("fe80::", 10, "link-local"),
        Block("fec0::", 10, "site-local (deprecated)"),
        Block("ff00::", 8, "multicast"),
    ]

    private static let globalUnicast = Block("2000::", 3, "global unicast")
}

extension SpecialPurposeAddresses.Block {
    /// A block from its registry spelling; the table above is checked by the tests.
    fileprivate init(_ prefix: String, _ bits: Int, _ name: String, embedded: (@Sendable (IPAddress) -> IPAddress?)? = nil) {
        self.init(prefix: IPAddress(prefix)!, bits: bits, name: name, embedded: embedded)
    }
}
