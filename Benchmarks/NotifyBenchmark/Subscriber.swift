import BenchmarkSupport
import Foundation
import Synchronization
import WireProtocol
import ZMQ

/// Two SUB sockets on a thread of their own: one on the store's change feed (the raw
/// baseline), one on the notifier's stream subscribed to every watch, as `ldn watch follow`
/// is. Records when each change and each match arrives. Each socket gets the CURVE client
/// options of its publisher (none for plaintext).
final class Subscriber: Sendable {
    struct Result {
        /// Store commit to receipt on the feed, ms.
        let feed: Measure.Latencies
        /// Store commit to receipt on the notifier's stream, ms.
        let stream: Measure.Latencies
        /// Feed receipt to stream receipt for the same change, ms.
        let added: Measure.Latencies
        /// Every match received, in order.
        let matches: [Match]
    }

    /// One match on the stream: its watch and change, when it arrived and its commit-to-receipt latency (ms).
    struct Match: Sendable {
        let watch: String
        let seq: Int64
        let at: ContinuousClock.Instant
        let latency: Double
    }

    private struct Arrivals {
        var feed: [Int64: (at: ContinuousClock.Instant, latency: Double)] = [:]
        var matches: [Match] = []
    }

    private let arrivals = Mutex(Arrivals())
    private let stopping = Atomic<Bool>(false)
    private let done = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let finished = Atomic<Bool>(false)

    init(feed: String, feedSecurity: [SocketOption], stream: String, streamSecurity: [SocketOption], watches: [String]) throws {
        let context = try Context()
        let feedSocket = try context.socket(.sub)
        try feedSocket.set([.linger(milliseconds: 0), .receiveHighWaterMark(0), .subscribe(Data("all".utf8))] + feedSecurity)
        try feedSocket.connect(feed)
        let streamSocket = try context.socket(.sub)
        try streamSocket.set([.linger(milliseconds: 0), .receiveHighWaterMark(0)] + streamSecurity
                             + watches.map { .subscribe(WatchName.topic($0)) })
        try streamSocket.connect(stream)
        nonisolated(unsafe) let sockets = (feedSocket, streamSocket)  // handed to the thread, used only there
        Thread { [self] in receive(feed: sockets.0, stream: sockets.1) }.start()
    }

    private func receive(feed: Socket, stream: Socket) {
        defer { feed.close(); stream.close(); finished.store(true, ordering: .releasing) }
        var poller = Poller()
        poller.add(feed)
        poller.add(stream)
        while !stopping.load(ordering: .relaxed) {
            guard (try? poller.poll(timeoutMilliseconds: 100)) ?? 0 > 0 else { continue }
            while let frames = try? feed.receive(dontWait: true), frames.count == 5 {
                let at = ContinuousClock.now, now = Date()
                guard let header = try? WireJSON.decode(ChangeHeader.self, from: frames[3]) else { continue }
                let latency = now.timeIntervalSince(header.committedAt) * 1000
                arrivals.withLock { $0.feed[header.seq] = (at, latency) }
            }
            while let frames = try? stream.receive(dontWait: true), frames.count == 5 {
                let at = ContinuousClock.now, now = Date()
                guard let match = try? WireJSON.decode(MatchHeader.self, from: frames[3]) else { continue }
                let latency = now.timeIntervalSince(match.change.committedAt) * 1000
                arrivals.withLock { $0.matches.append(Match(watch: match.watch, seq: match.change.seq, at: at, latency: latency)) }
            }
        }
    }

    /// Forgets the warm-up.
    func reset() { arrivals.withLock { $0 = Arrivals() } }

    var matchCount: Int { arrivals.withLock { $0.matches.count } }

    /// Waits until `count` matches have arrived, or none has for `idle`; returns how many did.
    func waitForMatches(_ count: Int, idle: Duration) async -> Int {
        var last = matchCount, lastChange = ContinuousClock.now
        while last < count && ContinuousClock.now - lastChange < idle {
            try? await Task.sleep(for: .milliseconds(50))
            let now = matchCount
            if now != last { (last, lastChange) = (now, .now) }
        }
        return last
    }

    /// Stops the thread and computes the latencies.
    func stop() -> Result {
        stopping.store(true, ordering: .relaxed)
        while !finished.load(ordering: .acquiring) { usleep(1000) }
        return arrivals.withLock { arrivals in
            let added = arrivals.matches.compactMap { match in
                arrivals.feed[match.seq].map { (match.at - $0.at).milliseconds }
            }
            return Result(feed: Measure.Latencies(arrivals.feed.values.map(\.latency)),
                          stream: Measure.Latencies(arrivals.matches.map(\.latency)),
                          added: Measure.Latencies(added), matches: arrivals.matches)
        }
    }
}
