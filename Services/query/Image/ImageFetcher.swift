import Client
import Crypto
import Foundation
import Logging
import ServiceKit
import WireProtocol
import ZMQ

/// Downloads a database image from a ready peer replica (`image.open`, `image.chunk`) into a
/// file, checking every chunk's SHA-256 as it arrives and, at the end, the whole image's (the
/// SHA-256 over the chunks' digests: the bytes are hashed once). An interrupted transfer
/// (the peer restarted, a reply lost, a chunk that does not match its checksum) resumes
/// from the last good offset when the peer still serves the same image, and starts over
/// when it serves another; at most `attempts` tries per peer. Several peers (a list, or a
/// name with several addresses) are tried in turn. A replica never gets an image from
/// itself: while fetching it is catching up, and a catching-up replica serves none.
struct ImageFetcher: Sendable {
    let endpoints: String
    let directory: URL
    let context: Context
    let security: [SocketOption]
    let logger: Logger
    let stats: ServiceStats
    var attempts = 4
    /// How long a peer that says it is building its image is waited for: about a minute per
    /// 10 GB of copying and hashing, with room for a loaded machine.
    var buildPatience: Duration = .seconds(300)
    /// Retries of one chunk whose bytes do not match their checksum, within one attempt.
    var chunkRetries = 2
    /// Chunks asked for ahead of the one being checked and written: the peer reads the next
    /// ones while this side hashes.
    var window = 4
    /// The longest an image may be: a peer's claim above it is refused before anything is written.
    var maximumBytes: Int64 = 1 << 40

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// A verified image in a new file in `directory` (the caller removes it), what the peer said
    /// of it, and when the peer first answered `image.open` with it (after building it, if it did).
    func fetch() async throws -> (path: String, info: ImageOpenReply, peer: String, opened: ContinuousClock.Instant) {
        let peers = try await offPool(on: .global(qos: .utility)) { () -> [String] in
            var discovery = ReplicaDiscovery(endpoints: RequestEngine.endpoints(in: endpoints))
            _ = discovery.refresh()
            return discovery.current
        }
        var reasons: [String] = []
        for peer in peers {
            do {
                let (path, info, opened) = try await fetch(from: peer)
                return (path, info, peer, opened)
            } catch {
                reasons.append("\(peer): \(error)")
                logger.warning("no image from this peer", metadata: ["peer": "\(peer)", "reason": "\(error)"])
            }
        }
        throw Failure(description: reasons.isEmpty ? "no address for \(endpoints)" : reasons.joined(separator: "; "))
    }

    private func fetch(from peer: String) async throws -> (String, ImageOpenReply, ContinuousClock.Instant) {
        let client = try await ServiceClient(endpoint: peer, name: "query-image", attemptTimeout: .seconds(5), attempts: 2,
                                             context: context, logger: logger, security: security)
        return try await withThrowingTaskGroup(of: (String, ImageOpenReply, ContinuousClock.Instant)?.self) { group in
            group.addTask { try await client.run(); return nil }
            group.addTask { try await transfer(with: client) }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            throw Failure(description: "the link to \(peer) stopped")
        }
    }

    /// A download under way: what is written so far, checked chunk by chunk.
    private struct Download {
        let info: ImageOpenReply
        let path: String
        let file: FileHandle
        let opened = ContinuousClock.now
        /// Everything below it is written and checked.
        var offset: Int64 = 0
        /// The SHA-256 digests of the chunks below `offset`, in order.
        var digests = Data()
    }

    private func transfer(with client: ServiceClient) async throws -> (String, ImageOpenReply, ContinuousClock.Instant) {
        var download: Download?
        var lastError: any Error = Failure(description: "no attempt made")
        defer { try? download?.file.close() }
        var attempt = 0
        let patientUntil = ContinuousClock.now + buildPatience
        while attempt < attempts {
            do {
                let info = try await open(client)
                if download?.info != info {
                    if let old = download { try? old.file.close(); unlink(old.path) }
                    download = try startDownload(info)
                } else {
                    stats.add("image.resumes")
                    logger.info("resuming the image transfer", metadata: ["image": "\(info.image)", "offset": "\(download!.offset)"])
                }
                try await fill(&download!, from: client)
                let whole = ImageFile.wholeChecksum(download!.digests)
                guard whole == info.sha256 else {
                    let path = download!.path
                    try? download!.file.close()
                    unlink(path)
                    download = nil
                    throw Failure(description: "the whole image's checksum is \(whole), the peer said \(info.sha256)")
                }
                try download!.file.synchronize()
                try download!.file.close()
                let done = download!
                download = nil
                return (done.path, done.info, done.opened)
            } catch {
                if download == nil, case let body as ErrorBody = error, body.code == .unavailable {
                    // A peer that is catching up before anything was fetched will not be ready
                    // soon: the next peer, or the snapshot, is quicker.
                    if (body.retryAfterMs ?? 1000) >= 1000 { throw error }
                    // (A refused connection says 500 ms: it counts as an attempt below.)
                    // One building its image (a large replica's takes many seconds) is waited
                    // for, however often it says so, within `buildPatience`.
                    if body.details.contains(ImageSource.building), ContinuousClock.now < patientUntil {
                        try await Task.sleep(for: .milliseconds(max(body.retryAfterMs ?? 200, 10)))
                        continue
                    }
                }
                attempt += 1
                lastError = error
                stats.add("image.interruptions")
                logger.warning("image transfer interrupted", metadata: ["attempt": "\(attempt)", "reason": "\(error)"])
                if case let body as ErrorBody = error, body.code == .unavailable {
                    try await Task.sleep(for: .milliseconds(min(body.retryAfterMs ?? 500, 2000)))
                }
            }
        }
        if let download { unlink(download.path) }
        throw lastError
    }

    private func open(_ client: ServiceClient) async throws -> ImageOpenReply {
        let info = try await client.call(Request(type: MessageType.imageOpen, id: "image-open-\(UUID().uuidString)",
                                                 body: EmptyBody()), as: ImageOpenReply.self)
        guard !info.image.isEmpty, info.image.utf8.count <= 64,
              (1...maximumBytes).contains(info.bytes), (4096...(8 << 20)).contains(info.chunkBytes),
              info.seq >= 1, info.sha256.utf8.count == 64, info.sha256.allSatisfy(\.isHexDigit) else {
            throw Failure(description: "image.open answered an image this replica cannot take: \(info)")
        }
        return info
    }

    private func startDownload(_ info: ImageOpenReply) throws -> Download {
        let path = directory.appendingPathComponent("\(ImageSource.filePrefix)download-\(UUID().uuidString.lowercased()).sqlite").path
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
            throw Failure(description: "cannot create \(path)")
        }
        logger.info("fetching an image", metadata: ["image": "\(info.image)", "seq": "\(info.seq)", "bytes": "\(info.bytes)"])
        return Download(info: info, path: path, file: file)
    }

    /// Fetches the chunks from the download's offset to the end, up to `window` of them asked
    /// for ahead; each is checked and written at its offset in order, so that `offset` is
    /// where a resumed transfer starts.
    private func fill(_ download: inout Download, from client: ServiceClient) async throws {
        let info = download.info
        var pending: [(offset: Int64, reply: Task<Reply, any Error>)] = []
        defer { for request in pending { request.reply.cancel() } }
        var asked = download.offset
        func askAhead() {
            while pending.count < max(window, 1), asked < info.bytes {
                pending.append((asked, requestChunk(at: asked, of: info, client)))
                asked += Int64(info.chunkBytes)
            }
        }
        askAhead()
        var retries = 0
        while !pending.isEmpty {
            let (offset, request) = pending.removeFirst()
            let reply = try await request.value
            do {
                let (data, digest) = try check(reply, at: offset, of: info)
                try Self.write(data, at: offset, to: download.file)
                download.digests.append(digest)
                download.offset += Int64(data.count)
                retries = 0
                askAhead()
            } catch let error as Failure {
                stats.add("image.bad_chunks")
                logger.warning("an image chunk does not check; asking again", metadata: ["offset": "\(offset)", "reason": "\(error)"])
                retries += 1
                guard retries <= chunkRetries else { throw error }
                pending.insert((offset, requestChunk(at: offset, of: info, client)), at: 0)
            }
        }
    }

    /// Writes all of `data` at `offset`.
    private static func write(_ data: Data, at offset: Int64, to file: FileHandle) throws {
        var written = 0
        while written < data.count {
            let count = data.withUnsafeBytes { pwrite(file.fileDescriptor, $0.baseAddress! + written, $0.count - written,
                                                      off_t(offset) + off_t(written)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot write the image at \(offset): errno \(errno)")
            }
            written += count
        }
    }

    private func requestChunk(at offset: Int64, of info: ImageOpenReply, _ client: ServiceClient) -> Task<Reply, any Error> {
        Task {
            try await client.send(Request(type: MessageType.imageChunk, id: "image-chunk-\(UUID().uuidString)",
                                          body: ImageChunkRequest(image: info.image, offset: offset)))
        }
    }

    /// The chunk's bytes and SHA-256 digest, when the reply is the chunk asked for and matches its checksum.
    private func check(_ reply: Reply, at offset: Int64, of info: ImageOpenReply) throws -> (Data, Data) {
        let body = try reply.decode(ImageChunkReply.self)
        let expected = Int(min(Int64(info.chunkBytes), info.bytes - offset))
        guard body.image == info.image, body.offset == offset, body.bytes == expected,
              reply.attachments.count == 1, let data = reply.attachments.first, data.count == expected else {
            throw Failure(description: "image.chunk at \(offset) answered another chunk or size")
        }
        let digest = SHA256.hash(data: data)
        guard digest.hex == body.sha256 else {
            throw Failure(description: "chunk at \(offset): SHA-256 \(digest.hex), the peer said \(body.sha256)")
        }
        return (data, Data(digest))
    }
}
