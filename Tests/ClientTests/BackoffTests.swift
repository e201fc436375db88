import Testing
@testable import Client

@Suite("Backoff: one retry policy for every loop that tries again")
struct BackoffTests {
    @Test("Waits start at `initial`, double with each failure in a row, and stop at `maximum`")
    func doubling() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2), jitter: 1...1)
        #expect((1...7).map { backoff.base(afterFailures: $0) }
                == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600), .seconds(2), .seconds(2)])
        #expect(backoff.base(afterFailures: 10_000) == .seconds(2), "a long outage neither overflows nor exceeds the maximum")
        #expect(backoff.delay(afterFailures: 3) == .milliseconds(400), "no jitter asked, none given")
    }

    @Test("Jitter spreads each wait over its range, never outside it")
    func jitter() {
        let backoff = Backoff(initial: .seconds(1), maximum: .seconds(8), jitter: 0.5...1.5)
        let waits = (0..<500).map { _ in backoff.delay(afterFailures: 2) }
        #expect(waits.allSatisfy { $0 >= .seconds(1) && $0 <= .seconds(3) }, "2 s × 0.5…1.5")
        #expect(Set(waits).count > 100, "parties turned away together come back apart")
        #expect(waits.contains { $0 < .milliseconds(1500) } && waits.contains { $0 > .milliseconds(2500) })
        let floored = Backoff(initial: .milliseconds(500), jitter: 1...1.5)
        #expect((0..<200).allSatisfy { _ in floored.delay(afterFailures: 1) >= .milliseconds(500) },
                "a lower bound of 1 keeps a server's hint a minimum")
    }

    @Test("A loop's waits grow while it fails, `next` is the wait it will sleep, and a success starts over")
    func loop() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1), jitter: 1...1)
        var waits: [Duration] = []
        for _ in 1...5 {
            let announced = backoff.next
            waits.append(backoff.failed())
            #expect(waits.last == announced)
        }
        #expect(waits == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1)])
        #expect(backoff.failures == 5)
        backoff.succeeded()
        #expect(backoff.failures == 0 && backoff.next == .milliseconds(100))
    }

    @Test("As libzmq's reconnect options: the first interval and the maximum, in milliseconds")
    func reconnect() {
        let options = LinkSettings.reconnect.reconnectOptions
        guard case .reconnectInterval(let first) = options.first, case .reconnectIntervalMax(let most) = options.last else {
            Issue.record("\(options)")
            return
        }
        #expect((first, most) == (100, 2000))
    }
}
