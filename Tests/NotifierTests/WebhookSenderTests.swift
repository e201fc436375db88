import Client
import EvidenceModel
import Foundation
import Logging
import TestHarness
import Testing
import WireProtocol
@testable import Notifier

/// The webhook sender against real HTTP receivers on loopback (`Tests/python/webhook_receiver.py`).
/// One test at a time: each starts Python receivers, which a busy two-core machine starts slowly.
@Suite("Webhook delivery: redirects, the checked address, lookups off the pool", .serialized, .timeLimit(.minutes(1)))
struct WebhookSenderTests {
    static let match = MatchHeader(watch: "synthetic-hook", delivery: 1, change: ChangeHeader(
        seq: 7, kind: .insert, recordID: 7, key: "doi:10.5555/synthetic.7", version: 1, status: .active,
        committedAt: Date(timeIntervalSince1970: 1_700_000_000)))

    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// A sender as the notifier builds it (loopback allowed: the receivers are on this machine), run, then shut down.
    static func withSender<T>(_ body: (WebhookSender) async throws -> T) async throws -> T {
        let transport = WebhookTransport()
        let sender = WebhookSender(attempts: 3, backoff: Backoff(initial: .milliseconds(10), maximum: .milliseconds(40)),
                                   timeout: .seconds(5), policy: TargetPolicy(allowPrivate: true, resolver: transport.resolver),
                                   transport: transport)
        do {
            let result = try await body(sender)
            await transport.shutdown()
            return result
        } catch {
            await transport.shutdown()
            throw error
        }
    }

    @Test("A redirect fails the delivery at once and says where it pointed; the redirect's target gets no request at all",
          arguments: [301, 302, 303, 307, 308])
    func redirectRefused(status: Int) async throws {
        let target = try await WebhookReceiver()
        let redirecting = try await WebhookReceiver(redirect: (status, target.url))
        let outcome = try await Self.withSender { sender in
            await sender.deliver(Self.match, body: Data(#"{"synthetic":true}"#.utf8), to: URL(string: redirecting.url)!,
                                 secret: "synthetic-secret", logger: Self.quiet)
        }
        guard case .failed(let lastStatus, let lastError, let attempts) = outcome else {
            Issue.record("delivered or interrupted: \(outcome)")
            return
        }
        #expect(lastStatus == status && attempts == 1, "a redirect is not retried")
        #expect(lastError == "HTTP \(status) redirect to \(target.url) refused")
        #expect(redirecting.deliveries.map(\.method) == ["POST"])
        #expect(target.deliveries.isEmpty, "neither GET nor POST: \(target.deliveries.map(\.method))")
    }

    @Test("A redirect's Location goes into the error as printable text, cut at 300 characters")
    func redirectLocationPrintable() {
        #expect(WebhookSender.redirectRefused(status: 302, location: "http://x/\u{1b}[31m") == "HTTP 302 redirect to http://x/?[31m refused")
        #expect(WebhookSender.redirectRefused(status: 302, location: "http://x/" + String(repeating: "a", count: 400)).count < 340)
        #expect(WebhookSender.redirectRefused(status: 304, location: nil) == "HTTP 304 redirect refused (no Location)")
    }

    @Test("The request goes to the checked address, under the URL's host name: the HTTP client looks nothing up")
    func connectsToCheckedAddress() async throws {
        let receiver = try await WebhookReceiver()
        let port = try #require(URL(string: receiver.url)?.port)
        // `.invalid` never resolves (RFC 6761): a lookup of its own would fail the request.
        let url = try #require(URL(string: "http://webhook.invalid:\(port)/hook"))
        let destination = TargetPolicy.Destination(url: url, host: "webhook.invalid", address: try #require(IPAddress("127.0.0.1")))
        let answer = try await Self.withSender { sender in
            try await sender.transport.send(WebhookSender.request(Self.match, body: Data("{}".utf8), to: url, secret: "synthetic-secret"),
                                            to: destination, timeout: .seconds(5))
        }
        #expect(answer.status == 200)
        let delivery = try #require(receiver.deliveries.first)
        #expect(delivery.method == "POST" && delivery.path == "/hook" && delivery.host == "webhook.invalid:\(port)")
    }

    /// SYNTHETIC test certificates (Fixtures/tls): a CA whose key was discarded once it had
    /// signed `webhook.pem`, a server certificate for `webhook.invalid` only.
    static let tls = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tls")

    @Test("Over https, the connection goes to the checked address while the certificate is checked against the URL's host name")
    func httpsVerifiesHostName() async throws {
        let receiver = try await WebhookReceiver(tls: (Self.tls.appendingPathComponent("webhook.pem").path,
                                                       Self.tls.appendingPathComponent("webhook-key.pem").path))
        let port = try #require(URL(string: receiver.url)?.port)
        let loopback = try #require(IPAddress("127.0.0.1"))
        func send(to host: String, trusting ca: String?, timeout: Duration = .seconds(2)) async throws -> Int {
            let transport = WebhookTransport(trustedCAFile: ca)
            let url = try #require(URL(string: "https://\(host):\(port)/hook"))
            do {
                let answer = try await transport.send(WebhookSender.request(Self.match, body: Data("{}".utf8), to: url,
                                                                            secret: "synthetic-secret"),
                                                      to: .init(url: url, host: host, address: loopback), timeout: timeout)
                await transport.shutdown()
                return answer.status
            } catch {
                await transport.shutdown()
                throw error
            }
        }
        let ca = Self.tls.appendingPathComponent("ca.pem").path
        #expect(try await send(to: "webhook.invalid", trusting: ca, timeout: .seconds(10)) == 200)
        #expect(receiver.deliveries.map(\.host) == ["webhook.invalid:\(port)"])
        // HTTPClient tries to connect until the deadline, then gives the last connection error.
        await #expect(performing: { try await send(to: "other.invalid", trusting: ca) }, throws: { error in
            "\(error)".contains("failedToValidateHostname")  // the certificate names another host
        })
        await #expect(performing: { try await send(to: "webhook.invalid", trusting: nil) }, throws: { error in
            "\(error)".contains("CERTIFICATE_VERIFY_FAILED")  // by default, only the system's roots are trusted
        })
        #expect(receiver.deliveries.count == 1, "no request went through either")
    }

    @Test("A delivery to a name is looked up once and signed; the receiver verifies it")
    func deliversByName() async throws {
        let receiver = try await WebhookReceiver()
        try receiver.setSecret("synthetic-secret")
        let port = try #require(URL(string: receiver.url)?.port)
        let outcome = try await Self.withSender { sender in
            await sender.deliver(Self.match, body: WebhookSender.body(Self.match, .record(Data(#"{"title":"SYNTHETIC"}"#.utf8))),
                                 to: URL(string: "http://localhost:\(port)/hook")!, secret: "synthetic-secret", logger: Self.quiet)
        }
        guard case .delivered(200, 1) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        let delivery = try #require(receiver.deliveries.first)
        #expect(delivery.signatureOK && delivery.host == "localhost:\(port)" && delivery.deliveryID == "synthetic-hook-7")
    }

    @Test("Once shut down, the transport sends nothing more")
    func afterShutdown() async throws {
        let transport = WebhookTransport()
        await transport.shutdown()
        let url = try #require(URL(string: "http://127.0.0.1:9/hook"))
        await #expect(throws: CancellationError.self) {
            try await transport.send(WebhookSender.request(Self.match, body: Data("{}".utf8), to: url, secret: "synthetic-secret"),
                                     to: .init(url: url, host: "127.0.0.1", address: IPAddress("127.0.0.1")!), timeout: .seconds(1))
        }
        await #expect(throws: CancellationError.self) { try await transport.resolver.addresses(of: "localhost") }
    }

    @Test("Names are looked up on the resolver's threads: lookups that block leave Swift's cooperative pool free")
    func lookupsOffThePool() async throws {
        let resolver = HostResolver(threads: 4)
        #expect(try await resolver.addresses(of: "localhost").contains(IPAddress("127.0.0.1")!))
        #expect(try await resolver.addresses(of: "nosuch.invalid").isEmpty)

        // Four lookups stuck (as on a name server that does not answer): more than the pool
        // has threads on this machine. Were they on the pool, the sleep below would wait for them.
        let release = DispatchSemaphore(value: 0)
        let stuck = Task {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<4 { group.addTask { try await resolver.run { release.wait(timeout: .now() + 20) == .success } } }
                return try await group.reduce(true) { $0 && $1 }
            }
        }
        let start = ContinuousClock.now
        try await Task.sleep(for: .milliseconds(200))
        let slept = ContinuousClock.now - start
        for _ in 0..<4 { release.signal() }
        #expect(try await stuck.value, "the blocked work ran, and was released")
        #expect(slept < .seconds(10), "the pool stayed free while lookups blocked (slept \(slept))")
        await resolver.shutdown()
    }
}
