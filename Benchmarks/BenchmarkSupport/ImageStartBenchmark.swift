import Foundation
import TestHarness
import WireProtocol
import ZMQ

/// Issue 18: a fresh replica started from a ready replica's database image (`--image-from`),
/// timed from its start until it has applied all the store holds, next to a raw copy of the
/// same bytes in the same chunk size over a plain DEALER/ROUTER pair in the same run (the
/// floor: no checksum, no file, no SQLite), with as many chunks in flight as the fetcher (4).
public enum ImageStartBenchmark {
    public struct Figures: Sendable {
        public let seconds: Double, rawSeconds: Double, bytes: Int64, chunkBytes: Int
        public var ratio: Double { seconds / rawSeconds }
    }

    public static func measure(_ set: LocalSet, _ pass: SecurityPass, snapshotSeconds: Double,
                        admin: (query: [SocketOption], store: [SocketOption])) async throws -> Figures {
        let endpoint = try freeEndpoint()
        let started = ContinuousClock.now
        let replica = try await set.startExtra("query", bind: endpoint, dataDirectory: "query-image", extraArguments: ["--image-from", set.query])
        try pass.check([replica])
        let status = try await waitUntilCaughtUp(endpoint, store: set.store, timeout: .seconds(3600), security: (admin.query, admin.store))
        let seconds = (ContinuousClock.now - started).seconds
        let line = replica.log.first { $0.contains("replica started from an image") } ?? "no image: \(replica.log.suffix(3))"
        _ = try await replica.stop()
        // The image the new replica fetched, reused by the first replica for 30 s: its size and chunk size.
        let info = try await request(set.query, Request(type: MessageType.imageOpen, id: "bench-image-open"), security: admin.query)
            .decode(ImageOpenReply.self)
        let raw = try await rawCopy(bytes: info.bytes, chunkBytes: info.chunkBytes, curve: pass == .curve)
        let figures = Figures(seconds: seconds, rawSeconds: raw, bytes: info.bytes, chunkBytes: info.chunkBytes)
        print("  \(line)")
        // Issue 18's targets: 2 s at 100 000 records, 20 s at 1 000 000.
        let records = status.counters["records"] ?? 0
        let target = max(2, Double(records) / 50_000)
        print(String(format: "fresh replica from an image: %d records (%.0f MB image, %d KiB chunks) serving in %.2f s (target ≤ %.0f s) %@",
                     records, Double(info.bytes) / 1e6, info.chunkBytes >> 10, seconds, target, seconds <= target ? "✓" : "✗"))
        print(String(format: "  raw copy of the same bytes over DEALER/ROUTER, same chunks, %d in flight: %.2f s; image start / raw copy = %.1f ×", Self.inFlight,
                     raw, figures.ratio))
        print(String(format: "  the snapshot path (records re-applied), same run: %.2f s; image start is %.1f × faster",
                     snapshotSeconds, snapshotSeconds / seconds))
        return figures
    }

    /// Chunks the fetcher asks for ahead (ImageFetcher.window).
    static let inFlight = 4

    /// `bytes` in `chunkBytes` replies from a ROUTER on a thread of its own to a DEALER,
    /// `inFlight` requests in flight; the seconds it took.
    public static func rawCopy(bytes: Int64, chunkBytes: Int, curve: Bool) async throws -> Double {
        let chunk = Data(repeating: 0x5A, count: chunkBytes)
        let router = try RawRouter(curve: curve) { frames in
            frames.count == 2 && frames[1] != Data("stop".utf8) ? [frames[0], chunk] : nil
        }
        let (context, endpoint, clientOptions) = (router.context, router.endpoint, router.clientOptions)
        return try await Measure.onThread {
            let dealer = try context.socket(.dealer)
            defer { dealer.close() }
            try dealer.set([.linger(milliseconds: 1000)] + clientOptions)
            try dealer.connect(endpoint)
            let chunks = Int((bytes + Int64(chunkBytes) - 1) / Int64(chunkBytes))
            let started = ContinuousClock.now
            var sent = 0, received = 0
            while sent < min(Self.inFlight, chunks) {
                try dealer.send([Data("chunk".utf8)])
                sent += 1
            }
            while received < chunks {
                _ = try dealer.receive()
                received += 1
                if sent < chunks {
                    try dealer.send([Data("chunk".utf8)])
                    sent += 1
                }
            }
            let seconds = (ContinuousClock.now - started).seconds
            try dealer.send([Data("stop".utf8)])
            return seconds
        }
    }
}
