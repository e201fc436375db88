import Crypto
import Foundation
import Logging
import ServiceKit
import Synchronization
import TestHarness
import Testing
import WireProtocol
import ZMQ
@testable import Query

/// The fetcher against a peer that misbehaves on purpose: a real `ImageFile` served over a
/// real ROUTER, with answers broken the way a network or a restarting peer breaks them.
@Suite("Image transfer: checksums, resume, refusal", .timeLimit(.minutes(1)))
struct ImageFetcherTests {
    static let chunk = 4096

    /// Three and a half chunks of bytes that differ per chunk, in a temp folder.
    static func sourceImage(in folder: URL) throws -> (ImageFile, Data) {
        let bytes = Data((0..<(chunk * 7 / 2)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 / 4096) })
        let path = folder.appendingPathComponent("\(ImageSource.filePrefix)source.sqlite").path
        try bytes.write(to: URL(fileURLWithPath: path))
        return (try ImageFile(path: path, seq: 42, storeID: "store-a", chunkBytes: chunk), bytes)
    }

    /// What the peer does to a chunk reply: the image file's id and the offset asked for; the
    /// call count so far for that offset.
    typealias Fault = @Sendable (_ offset: Int64, _ call: Int) -> ChunkFault
    enum ChunkFault { case none, corrupt, unavailable }

    /// `building`: the first so many `image.open` calls are answered as a peer building its image does.
    func withPeer<T>(serving image: ImageFile, whole: String? = nil, building: Int = 0, fault: @escaping Fault,
                     _ body: (String) async throws -> T) async throws -> T {
        let calls = Mutex<[Int64: Int]>([:])
        let opens = Atomic(0)
        var routes = Routes()
        routes.on(MessageType.imageOpen) { request, _ in
            if opens.add(1, ordering: .relaxed).newValue <= building {
                throw ErrorBody(code: .unavailable, message: "an image is being built", details: [ImageSource.building], retryAfterMs: 20)
            }
            var info = image.reply
            if let whole { info.sha256 = whole }
            return .ok(request, info)
        }
        routes.on(MessageType.imageChunk) { request, _ in
            let body = try request.decodeBody(ImageChunkRequest.self)
            let call = calls.withLock { calls in
                calls[body.offset, default: 0] += 1
                return calls[body.offset]!
            }
            var data = try image.chunk(at: body.offset)
            let hash = image.chunkHashes[Int(body.offset) / Self.chunk]
            switch fault(body.offset, call) {
            case .none: break
            case .corrupt: data[data.startIndex] ^= 0xFF
            case .unavailable: throw ErrorBody(code: .unavailable, message: "restarting", retryAfterMs: 10)
            }
            return .ok(request, ImageChunkReply(image: body.image, offset: body.offset, bytes: data.count, sha256: hash),
                       attachments: [data])
        }
        return try await withService("peer", build: { runtime in
            [try await RequestServer(endpoint: "tcp://127.0.0.1:0", runtime: runtime, routes: routes)]
        }) { runtime in
            try await body(runtime.state.boundEndpoints["requests"]!)
        }
    }

    func fetcher(_ endpoints: String, folder: URL, stats: ServiceStats) -> ImageFetcher {
        ImageFetcher(endpoints: endpoints, directory: folder, context: try! Context(), security: [],
                     logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, stats: stats)
    }

    @Test("A corrupted chunk is detected and fetched again; a peer that stops answering mid-transfer is resumed from the last good offset; the file is the source's, byte for byte")
    func corruptionAndResume() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (image, bytes) = try Self.sourceImage(in: folder)
        let stats = ServiceStats()
        // Chunk 1 arrives damaged once; chunk 2 is refused three times: three attempts resume at it.
        let result = try await withPeer(serving: image, fault: { offset, call in
            switch (offset / Int64(Self.chunk), call) {
            case (1, 1): .corrupt
            case (2, 1...3): .unavailable
            default: .none
            }
        }) { peer in try await fetcher(peer, folder: folder, stats: stats).fetch() }
        defer { unlink(result.path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: result.path)) == bytes)
        #expect(result.info.seq == 42 && result.info.storeID == "store-a")
        let counters = stats.totals
        #expect(counters["image.bad_chunks"] == 1, "\(counters)")
        #expect((counters["image.resumes"] ?? 0) >= 1, "\(counters)")
    }

    @Test("The whole image's checksum is the SHA-256 of the chunks' SHA-256 digests in order (PROTOCOL.md 4.18), computed here from the bytes alone")
    func wholeChecksumContract() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (image, bytes) = try Self.sourceImage(in: folder)
        var digests = Data()
        for start in stride(from: 0, to: bytes.count, by: Self.chunk) {
            digests.append(contentsOf: SHA256.hash(data: bytes[start..<min(start + Self.chunk, bytes.count)]))
        }
        #expect(image.reply.sha256 == SHA256.hash(data: digests).map { String(format: "%02x", $0) }.joined())
        #expect(image.reply.sha256 != SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
    }

    @Test("A chunk damaged every time, or a whole image that does not match its checksum, fails the transfer and leaves no file")
    func persistentDamageFails() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (image, _) = try Self.sourceImage(in: folder)
        await #expect(throws: (any Error).self) {
            try await withPeer(serving: image, fault: { offset, _ in offset == 0 ? .corrupt : .none }) { peer in
                try await fetcher(peer, folder: folder, stats: ServiceStats()).fetch()
            }
        }
        await #expect(throws: (any Error).self) {
            try await withPeer(serving: image, whole: String(repeating: "0", count: 64), fault: { _, _ in .none }) { peer in
                try await fetcher(peer, folder: folder, stats: ServiceStats()).fetch()
            }
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains("download") }
        #expect(left.isEmpty, "\(left)")
    }

    @Test("A peer building its image is waited for, however many times it says so (a large replica's image takes many seconds)")
    func waitsForABuild() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (image, bytes) = try Self.sourceImage(in: folder)
        let stats = ServiceStats()
        let result = try await withPeer(serving: image, building: 12, fault: { _, _ in .none }) { peer in
            try await fetcher(peer, folder: folder, stats: stats).fetch()
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: result.path)) == bytes)
        #expect(stats.totals["image.interruptions"] == nil, "waiting for a build is not an interruption: \(stats.totals)")
    }

    @Test("No peer listening: the fetch fails in bounded time, and the replica can fall back")
    func noPeer() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let started = ContinuousClock.now
        await #expect(throws: (any Error).self) {
            try await fetcher(try freeEndpoint(), folder: folder, stats: ServiceStats()).fetch()
        }
        // About 5 s on a quiet machine (one attempt's timeout); 17 s was seen under a loaded suite.
        #expect(ContinuousClock.now - started < .seconds(45))
    }
}
