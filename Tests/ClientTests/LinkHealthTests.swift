import Testing
@testable import Client
@testable import ZMQ

func event(_ kind: SocketEvent.Kind, _ endpoint: String = "tcp://127.0.0.1:5550") -> SocketEvent {
    SocketEvent(kind: kind, value: 0, endpoint: endpoint)
}

@Suite("LinkHealth: what the socket monitor's events mean")
struct LinkHealthTests {
    @Test("A refused attempt is a refusal; a handshake is up; losing it is a loss")
    func basics() {
        var health = LinkHealth(endpoints: 1)
        #expect(health.heard(event(.connectDelayed)) == nil)
        #expect(health.heard(event(.connectRetried)) == .refused)
        #expect(health.refusedSince != nil && !health.wasUp)
        #expect(health.heard(event(.connected)) == nil, "TCP up, handshake pending: no longer refused, not yet up")
        #expect(health.refusedSince == nil && !health.isUp)
        #expect(health.heard(event(.handshakeSucceeded)) == .up)
        #expect(health.isUp && health.wasUp)
        #expect(health.heard(event(.disconnected)) == .lost)
        #expect(!health.isUp)
    }

    @Test("The retry timer libzmq starts after a loss is not a refusal; a failed attempt after it is")
    func retryAfterLoss() {
        var health = LinkHealth(endpoints: 1)
        health.heard(event(.handshakeSucceeded))
        health.heard(event(.disconnected))
        #expect(health.heard(event(.connectRetried)) == nil)
        #expect(health.refusedSince == nil, "reconnecting, perhaps to a peer that is back already")
        #expect(health.heard(event(.connectRetried)) == .refused)
        #expect(health.refusedSince != nil)
    }

    @Test("Several endpoints: refused only when every one refuses; lost only when none is up")
    func severalEndpoints() {
        let (a, b) = ("tcp://127.0.0.1:1", "tcp://127.0.0.1:2")
        var health = LinkHealth(endpoints: 2)
        #expect(health.heard(event(.connectRetried, a)) == nil)
        #expect(health.heard(event(.handshakeSucceeded, b)) == .up)
        #expect(health.heard(event(.connectRetried, a)) == nil && health.refusedSince == nil)
        #expect(health.heard(event(.disconnected, b)) == .lost)
        health.heard(event(.connectRetried, b))
        #expect(health.heard(event(.connectRetried, b)) == .refused)
    }
}
