import Foundation
import Testing
import WireProtocol
@testable import Notifier

/// The webhook address policy, address by address: every IANA special-purpose block is
/// refused, addresses that carry an IPv4 address inside IPv6 are refused and name it, and
/// public addresses pass.
@Suite("Webhook address policy")
struct AddressPolicyTests {
    /// An address, and the block it must be refused as (its name, as the refusal words it).
    static let refused: [(String, String)] = [
        ("0.0.0.0", "this network"), ("0.1.2.3", "this network"),
        ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("172.31.255.255", "private"), ("192.168.1.1", "private"),
        ("100.64.0.1", "carrier-grade NAT"), ("100.127.255.254", "carrier-grade NAT"),
        ("127.0.0.1", "loopback"), ("127.255.255.254", "loopback"),
        ("169.254.169.254", "link-local"),
        ("192.0.0.1", "IETF protocol assignments"), ("192.0.0.8", "IETF protocol assignments"),
        ("192.0.0.170", "IETF protocol assignments"),
        ("192.0.2.1", "TEST-NET-1"), ("198.51.100.7", "TEST-NET-2"), ("203.0.113.200", "TEST-NET-3"),
        ("192.31.196.1", "AS112"), ("192.52.193.1", "AMT"), ("192.88.99.1", "6to4 relay anycast"),
        ("192.175.48.1", "AS112 direct delegation"),
        ("198.18.0.1", "benchmarking"), ("198.19.255.255", "benchmarking"),
        ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"),
        ("240.0.0.1", "reserved"), ("254.1.2.3", "reserved"), ("255.255.255.255", "limited broadcast"),
        ("::", "unspecified"), ("::1", "loopback"),
        ("::ffff:127.0.0.1", "IPv4-mapped"), ("::ffff:8.8.8.8", "IPv4-mapped"),
        ("::ffff:0:10.0.0.1", "IPv4-translated"),
        ("::127.0.0.1", "IPv4-compatible"), ("::8.8.8.8", "IPv4-compatible"),
        ("64:ff9b::a9fe:a9fe", "NAT64"), ("64:ff9b::808:808", "NAT64"), ("64:ff9b:1::1", "local-use NAT64"),
        ("100::1", "discard-only"), ("100:0:0:1::1", "dummy prefix"),
        ("2001::1", "Teredo"), ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
        ("2001:2::1", "IETF protocol assignments"), ("2001:1::1", "IETF protocol assignments"),
        ("2001:db8::1", "documentation"), ("2001:db8:ffff::1", "documentation"), ("3fff::1", "documentation"),
        ("2002:7f00:1::", "6to4"), ("2002:0808:0808::1", "6to4"),
        ("2620:4f:8000::1", "AS112 direct delegation"),
        ("5f00::1", "segment routing"),
        ("fc00::1", "unique local"), ("fd12:3456::1", "unique local"),
        ("fe80::1", "link-local"), ("febf::1", "link-local"),
        ("fec0::1", "site-local"), ("feff::1", "site-local"),
        ("ff02::1", "multicast"), ("ff05::1:3", "multicast"), ("ff0e::1", "multicast"),
        // Not special-purpose, but not global unicast either: nothing is allocated there.
        ("4000::1", "outside global unicast"), ("e000::1", "outside global unicast"),
    ]

    /// IPv4 addresses carried inside IPv6 ones, which the refusal names.
    static let carried: [(String, String)] = [
        ("64:ff9b::a9fe:a9fe", "169.254.169.254"), ("2002:7f00:1::", "127.0.0.1"), ("::127.0.0.1", "127.0.0.1"),
        ("::ffff:10.0.0.1", "10.0.0.1"), ("::ffff:0:10.0.0.1", "10.0.0.1"),
        ("64:ff9b:1:a9fe:a9:fe00::", "169.254.169.254"),
        // Teredo: the client's address is the last 32 bits, inverted (RFC 4380's example).
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "192.0.2.45"),
    ]

    static let allowed = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "100.63.255.255", "100.128.0.1", "172.15.255.255",
                          "172.32.0.1", "192.0.3.1", "198.17.255.255", "198.20.0.1", "223.255.255.255",
                          "2606:4700:4700::1111", "2001:4860:4860::8888", "2a00:1450:4001:81c::200e", "2001:200::1", "3fff:1000::1"]

    @Test("Every special-purpose address is refused, named by its block", arguments: refused)
    func refusesSpecialPurpose(address: String, block: String) throws {
        let parsed = try #require(IPAddress(address), "\(address) parses")
        let finding = try #require(SpecialPurposeAddresses.finding(for: parsed), "\(address) is refused")
        #expect(finding.block.name.contains(block), "\(address): \(finding)")
    }

    @Test("An IPv4 address carried inside an IPv6 one is named in the refusal", arguments: carried)
    func namesCarriedIPv4(address: String, carried: String) throws {
        let parsed = try #require(IPAddress(address))
        let finding = try #require(SpecialPurposeAddresses.finding(for: parsed))
        #expect(finding.embedded?.description == carried, "\(address): \(finding)")
    }

    @Test("Public addresses pass", arguments: allowed)
    func allowsPublic(address: String) throws {
        let parsed = try #require(IPAddress(address), "\(address) parses")
        #expect(SpecialPurposeAddresses.finding(for: parsed) == nil, "\(address)")
    }

    @Test("Each block of the table parses and holds its own first address")
    func tableIsWellFormed() {
        for block in SpecialPurposeAddresses.ipv4 + SpecialPurposeAddresses.ipv6 {
            #expect(block.prefix.bytes.count == (SpecialPurposeAddresses.ipv4.contains { $0.label == block.label } ? 4 : 16))
            #expect(SpecialPurposeAddresses.finding(for: block.prefix) != nil, "\(block.label)")
        }
    }

    @Test("Addresses are read as bytes: every spelling of one address is judged the same")
    func spellings() throws {
        for spelling in ["::ffff:7f00:1", "0:0:0:0:0:ffff:127.0.0.1", "[::ffff:127.0.0.1]", "::FFFF:7F00:0001"] {
            let parsed = try #require(IPAddress(spelling), "\(spelling)")
            #expect(parsed == IPAddress("::ffff:127.0.0.1"))
            #expect(SpecialPurposeAddresses.finding(for: parsed)?.embedded == IPAddress("127.0.0.1"))
        }
        #expect(IPAddress("FF02:0:0:0:0:0:0:1") == IPAddress("ff02::1"))
        #expect(IPAddress("example.org") == nil && IPAddress("127.1") == nil && IPAddress("fe80::1%eth0") == nil)
    }

    @Test("watch.add's check: special-purpose hosts and addresses are refused with the reason, public literals pass",
          .timeLimit(.minutes(1)))
    func checkRefuses() async throws {
        let resolver = HostResolver()
        let policy = TargetPolicy(allowPrivate: false, resolver: resolver)
        let refusedURLs = [
            ("http://192.0.2.1/x", "TEST-NET-1"), ("http://[ff02::1]/x", "multicast"),
            ("http://[64:ff9b::a9fe:a9fe]/latest", "carrying 169.254.169.254"), ("https://[2002:7f00:1::]/x", "carrying 127.0.0.1"),
            ("http://[::127.0.0.1]:8080/x", "carrying 127.0.0.1"), ("http://198.18.0.1/", "benchmarking"),
            ("http://192.0.0.8/", "IETF protocol assignments"),
            // Names getaddrinfo reads as numbers (inet_aton's forms) are judged by the address they give.
            ("http://2130706433/", "loopback"), ("http://0x7f.1/", "loopback"), ("http://127.1/", "loopback"),
            ("http://localhost:8080/", "loopback"),
        ]
        for (url, reason) in refusedURLs {
            do {
                _ = try await policy.check(url)
                Issue.record("\(url) was accepted")
            } catch let error as ErrorBody {
                #expect(error.code == .invalidRequest && error.message.contains(reason) && error.message.contains("not a public address"),
                        "\(url): \(error.message)")
            }
        }
        for url in ["http://8.8.8.8/hook", "https://[2606:4700:4700::1111]:8443/hook"] {
            #expect(try await policy.check(url).absoluteString == url)
        }
        await #expect(throws: ErrorBody.self) { try await policy.check("http://nosuch.invalid/x") }
        await resolver.shutdown()
    }
}
