import Foundation
import Testing
import WireProtocol
@testable import Client
@testable import ZMQ

/// The retry engine without sockets: time is given, events are made up, and what it says
/// to do is checked against Lazy Pirate as docs/PROTOCOL.md section 2.2 describes it.
@Suite("RequestEngine: Lazy Pirate, once for both clients")
struct RequestEngineTests {
    let t0 = ContinuousClock.now

    func reply(_ id: String, _ error: ErrorBody? = nil) -> Reply {
        error.map { Reply(type: "submit", requestID: id, isOK: false, body: WireJSON.encode($0)) }
            ?? Reply(type: "submit", requestID: id, body: Data("{}".utf8))
    }

    func unavailable(retryAfterMs: Int?) -> ErrorBody {
        ErrorBody(code: .unavailable, message: "the store is busy", retryAfterMs: retryAfterMs)
    }

    @Test("A late request is resent with the same id until its attempts are used, then given up as unreachable")
    func timeouts() {
        var engine = RequestEngine(endpoint: "tcp://127.0.0.1:5550", policy: .serviceLink(timeout: .seconds(1), attempts: 3))
        engine.sent("a", at: t0)
        #expect(engine.due(at: t0 + .milliseconds(999)).resend.isEmpty)
        #expect(engine.nextDeadline == t0 + .seconds(1))
        #expect(engine.due(at: t0 + .seconds(1)).resend == ["a"])
        #expect(engine.due(at: t0 + .seconds(2)).resend == ["a"])
        let last = engine.due(at: t0 + .seconds(3))
        #expect(last.resend.isEmpty && !last.reopen)
        guard case .unreachable(let endpoint, let attempts, let timeout)? = last.failed.first?.error else {
            Issue.record("\(last.failed)")
            return
        }
        #expect((endpoint, attempts, timeout) == ("tcp://127.0.0.1:5550", 3, .seconds(1)))
        #expect(engine.inFlightCount == 0 && engine.nextDeadline == nil)
    }

    @Test("The command line's policy resends everything in flight on a fresh socket when one request is late")
    func reopen() {
        var engine = RequestEngine(endpoint: "tcp://127.0.0.1:5550", policy: .commandLine(timeout: .seconds(1), retries: 2))
        engine.sent("a", at: t0)
        engine.sent("b", at: t0 + .milliseconds(500))
        let due = engine.due(at: t0 + .seconds(1))
        #expect(due.reopen && due.resend == ["a", "b"], "b's reply would go to the old socket")
        #expect(engine.received(reply("a"), at: t0 + .milliseconds(1200)) == .answered(elapsed: .milliseconds(1200)),
                "the time counts from the first send")
        #expect(engine.received(reply("a"), at: t0 + .milliseconds(1300)) == .stale, "a late duplicate is dropped")
    }

    @Test("`unavailable` is resent after the service's hint, waiting longer each time, and is the answer once attempts run out")
    func unavailableAnswers() {
        var engine = RequestEngine(endpoint: "tcp://127.0.0.1:5550", policy: .commandLine(timeout: .seconds(10), retries: 2))
        engine.sent("a", at: t0)
        #expect(engine.received(reply("a", unavailable(retryAfterMs: 300)), at: t0) == .resendLater)
        let first = engine.nextDeadline! - t0
        #expect(first >= .milliseconds(300) && first <= .milliseconds(450), "the hint, jittered upwards: \(first)")
        #expect(engine.due(at: t0 + .milliseconds(299)).resend.isEmpty)
        #expect(engine.received(reply("a"), at: t0 + .milliseconds(100)) == .stale, "nothing is awaited before the resend")
        let t1 = t0 + first
        #expect(engine.due(at: t1).resend == ["a"])
        #expect(engine.received(reply("a", unavailable(retryAfterMs: 300)), at: t1) == .resendLater)
        let second = engine.nextDeadline! - t1
        #expect(second >= .milliseconds(600) && second <= .milliseconds(900), "doubled: \(second)")
        let t2 = t1 + second
        #expect(engine.due(at: t2).resend == ["a"])
        #expect(engine.received(reply("a", unavailable(retryAfterMs: 300)), at: t2) == .answered(elapsed: t2 - t0),
                "three sends: the third `unavailable` is the answer")
        var stopping = RequestEngine(endpoint: "tcp://127.0.0.1:5550", policy: .commandLine(timeout: .seconds(10), retries: 2))
        stopping.sent("b", at: t0)
        #expect(stopping.received(reply("b", unavailable(retryAfterMs: 300)), at: t0, resending: false) == .answered(elapsed: .zero))
    }

    @Test("Between services, `unavailable` goes back to the caller at once: only one layer retries")
    func serviceLinkPassesUnavailableOn() {
        var engine = RequestEngine(endpoint: "tcp://127.0.0.1:5550", policy: .serviceLink(timeout: .seconds(1), attempts: 3))
        engine.sent("a", at: t0)
        #expect(engine.received(reply("a", unavailable(retryAfterMs: 1000)), at: t0) == .answered(elapsed: .zero))
    }

    @Test("Nothing listening: a service never seen up is given up at once, with everything in flight")
    func refusedAtOnce() {
        var engine = RequestEngine(endpoint: "tcp://127.0.0.1:5550", policy: .commandLine(timeout: .seconds(10), retries: 2))
        engine.sent("a", at: t0)
        engine.sent("b", at: t0)
        engine.heard(event(.connectRetried), at: t0 + .milliseconds(5))
        #expect(engine.nextDeadline == t0 + .milliseconds(5))
        let due = engine.due(at: t0 + .milliseconds(5))
        #expect(due.failed.map(\.id) == ["a", "b"])
        guard case .refused(let endpoints)? = due.failed.first?.error else {
            Issue.record("\(due.failed)")
            return
        }
        #expect(endpoints == ["tcp://127.0.0.1:5550"])
    }

    @Test("A request sent after a refused attempt waits for the next attempt: the service may be back by then")
    func refusalConcernsWhoWaited() {
        var engine = RequestEngine(endpoint: "tcp://127.0.0.1:5550", policy: .serviceLink(timeout: .seconds(5), attempts: 3))
        engine.heard(event(.connectRetried), at: t0)
        engine.sent("late-comer", at: t0 + .milliseconds(50))
        #expect(engine.due(at: t0 + .milliseconds(60)).failed.isEmpty)
        #expect(engine.nextDeadline == t0 + .milliseconds(50) + .seconds(5), "nothing to do before its timeout or news")
        // libzmq tries again after its reconnect interval; refused again, the waiting request is answered.
        engine.heard(event(.connectRetried), at: t0 + .milliseconds(200))
        #expect(engine.takeRefused(at: t0 + .milliseconds(200)).map(\.id) == ["late-comer"])

        // Back instead: the waiting request goes out on the new connection.
        engine.heard(event(.connectRetried), at: t0 + .milliseconds(300))
        engine.sent("lucky", at: t0 + .milliseconds(350))
        engine.heard(event(.connected), at: t0 + .milliseconds(400))
        engine.heard(event(.handshakeSucceeded), at: t0 + .milliseconds(401))
        #expect(engine.takeRefused(at: t0 + .milliseconds(500)).isEmpty && engine.isInFlight("lucky"))
    }

    @Test("A service that was up and now refuses gets the grace to restart on the command line, none between services")
    func refusalGrace() {
        for (policy, grace) in [(RetryPolicy.commandLine(timeout: .seconds(10), retries: 2), Duration.seconds(2)),
                                (.serviceLink(timeout: .seconds(10), attempts: 3), .zero)] {
            var engine = RequestEngine(endpoint: "tcp://127.0.0.1:5550", policy: policy)
            engine.heard(event(.handshakeSucceeded), at: t0)
            engine.heard(event(.disconnected), at: t0 + .seconds(1))
            engine.heard(event(.connectRetried), at: t0 + .seconds(1))
            let refused = t0 + .milliseconds(1100)
            engine.heard(event(.connectRetried), at: refused)
            #expect(engine.refusalFinal == refused + grace)
            if grace > .zero { #expect(engine.refusal(forWaitingSince: t0, at: refused + grace - .milliseconds(1)) == nil) }
            #expect(engine.refusal(forWaitingSince: t0, at: refused + grace) != nil)
            engine.heard(event(.handshakeSucceeded), at: refused + .milliseconds(500))
            #expect(engine.refusal(forWaitingSince: t0, at: refused + grace) == nil, "back within the grace")
        }
    }

    @Test("Losing the last connection makes what was in flight due at once: it cannot be answered any more")
    func lostConnection() {
        var engine = RequestEngine(endpoint: "tcp://127.0.0.1:5550", policy: .serviceLink(timeout: .seconds(5), attempts: 3))
        engine.heard(event(.handshakeSucceeded), at: t0)
        engine.sent("a", at: t0)
        engine.sent("b", at: t0)
        _ = engine.received(reply("b", unavailable(retryAfterMs: 100)), at: t0)  // answered: gone
        let lost = t0 + .seconds(1)
        #expect(engine.heard(event(.disconnected), at: lost) == .lost)
        #expect(engine.nextDeadline == lost)
        #expect(engine.due(at: lost).resend == ["a"], "resent now, not 4 s later")
        #expect(engine.nextDeadline == lost + .seconds(5))
    }
}
