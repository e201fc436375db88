import CurveAuth
import Foundation
import Logging
import Synchronization
import TestHarness
import Testing
import WireProtocol
import ZMQ

/// The ZAP handler behind real CURVE sockets on loopback, as a service runs it.
@Suite("ZAP handler")
struct ZAPTests {
    @Test("Listed keys complete the handshake and are named in each message; others are refused; a socket's rule holds",
          .timeLimit(.minutes(1)))
    func handshakes() async throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-zap-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        let keys = try KeyDirectory.create(at: url)
        let reader = try keys.add(name: "reader", roles: [.reader])
        let context = try Context()
        let refusals = Counter()
        try ZAPHandler.start(context: context, allowList: try AllowListFile(url: keys.allowListURL),
                             logger: Logger(label: "test"), refused: { refusals.add() })
        let server = try keys.keyPair(of: "evidence-store")
        let stranger = try Curve.keyPair()

        let results = try await offPool {
            let router = try context.socket(.router)
            defer { router.close() }
            router.prefixesUserID = true
            try router.set([.linger(milliseconds: 0), .zapDomain(AccessRule.anyIdentity.rawValue), .curveServer(true),
                            .curveSecretKey(server.secretKey!)])
            try router.bind("tcp://127.0.0.1:*")
            let endpoint = try router.lastEndpoint
            func attempt(_ publicKey: String, _ secretKey: String) throws -> Data? {
                let dealer = try context.socket(.dealer)
                defer { dealer.close() }
                try dealer.set([.linger(milliseconds: 0), .curveServerKey(server.publicKey), .curvePublicKey(publicKey),
                                .curveSecretKey(secretKey)])
                try dealer.connect(endpoint)
                try dealer.send([Data("hello".utf8)])
                var poller = Poller()
                poller.add(router)
                guard try poller.poll(timeoutMilliseconds: 1500) > 0, let message = try router.receive() else { return nil }
                return message[0]
            }
            return (try attempt(reader.publicKey, reader.secretKey!), try attempt(stranger.publicKey, stranger.secretKey))
        }
        #expect(results.0.map { String(decoding: $0, as: UTF8.self) } == reader.publicKey, "the user id is the client's key")
        #expect(results.1 == nil, "an unlisted key got a message through")
        #expect(refusals.value >= 1)
        context.shutdown()
    }
}

private final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
