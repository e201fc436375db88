import Foundation
import GRDB
import Logging
import Replication
import ServiceKit
import Synchronization
import WireProtocol

/// Serves consistent images of this replica's database to new replicas (`image.open`,
/// `image.chunk`, docs/PROTOCOL.md 4.18), so that they start from a copy instead of
/// re-applying every record.
///
/// An image is the database file copied while it alone holds one state (`ImageCopy`), or,
/// when no such moment comes, taken with SQLite's online backup API in one step inside one
/// read transaction: one consistent position either way, while the follower keeps writing.
/// It lives in a file in the data folder. Bounds: at most one image exists and at most one is being built
/// (another `image.open` meanwhile gets `unavailable` with a retry hint); an image younger
/// than `reuseFor` is handed out again; an older one is superseded by the next `image.open`
/// (its file removed; a transfer of it gets `not_found` and opens again); one unused for
/// `expireAfter` is removed on the next request. Building, hashing and reading chunks run
/// on a dispatch queue, never on the cooperative pool.
final class ImageSource: Sendable {
    static let filePrefix = "query-image-"
    static let defaultChunkBytes = 1 << 20

    private let replica: ReplicaDatabase
    private let follower: FeedFollower
    private let directory: URL
    private let chunkBytes: Int
    private let reuseFor: Duration
    private let expireAfter: Duration
    private let logger: Logger
    private let stats: ServiceStats
    private let work = DispatchQueue(label: "ldn.query.image", qos: .utility, attributes: .concurrent)

    private struct State {
        var current: ImageFile?
        var lastUsed: ContinuousClock.Instant = .now
        var building = false
    }
    private let state = Mutex(State())

    init(replica: ReplicaDatabase, follower: FeedFollower, chunkBytes: Int = ImageSource.defaultChunkBytes,
         reuseFor: Duration = .seconds(30), expireAfter: Duration = .seconds(120), logger: Logger, stats: ServiceStats) {
        self.replica = replica
        self.follower = follower
        directory = URL(fileURLWithPath: replica.path).deletingLastPathComponent()
        self.chunkBytes = chunkBytes
        self.reuseFor = reuseFor
        self.expireAfter = expireAfter
        self.logger = logger
        self.stats = stats
        stats.declare(["images.built", "images.chunks_served"])
        removeLeftovers()
    }

    func add(to routes: inout Routes) {
        // The same role as the store's snapshot: an image is every record a replica holds.
        routes.on(MessageType.imageOpen, requires: .follower, open)
        routes.on(MessageType.imageChunk, requires: .follower, chunk)
    }

    /// The detail of the `unavailable` answer while an image is being built: the fetcher keeps asking.
    static let building = ErrorDetail(field: "image", message: "building")

    @Sendable func open(_ request: Request, logger: Logger) async throws -> Reply {
        _ = try request.decodeBody(EmptyBody.self)
        guard !follower.state.catchingUp else {
            throw ErrorBody(code: .unavailable, message: "this replica is catching up; it serves an image once it has caught up",
                            retryAfterMs: 1000)
        }
        let now = ContinuousClock.now
        let reusable = state.withLock { state -> ImageFile? in
            expire(&state, now: now)
            guard let current = state.current, now - current.built < reuseFor else { return nil }
            state.lastUsed = now
            return current
        }
        if let reusable { return .ok(request, reusable.reply) }
        let mayBuild = state.withLock { state in
            defer { state.building = true }
            return !state.building
        }
        guard mayBuild else {
            throw ErrorBody(code: .unavailable, message: "an image is being built", details: [ImageSource.building], retryAfterMs: 200)
        }
        defer { state.withLock { $0.building = false } }
        let started = ContinuousClock.now
        let (image, method) = try await offPool(on: work) { try self.build() }
        state.withLock { state in
            state.current = image  // the superseded one's file goes with its last reference
            state.lastUsed = .now
        }
        stats.add("images.built")
        logger.info("image built", metadata: ["image": "\(image.reply.image)", "seq": "\(image.reply.seq)",
                                              "bytes": "\(image.reply.bytes)", "method": "\(method)",
                                              "ms": "\(Int((ContinuousClock.now - started).milliseconds))"])
        return .ok(request, image.reply)
    }

    @Sendable func chunk(_ request: Request, logger: Logger) async throws -> Reply {
        let body = try request.decodeBody(ImageChunkRequest.self)
        let image = state.withLock { state -> ImageFile? in
            expire(&state, now: .now)
            guard let current = state.current, current.reply.image == body.image else { return nil }
            state.lastUsed = .now
            return current
        }
        guard let image else {
            throw ErrorBody(code: .notFound, message: "no image \"\(body.image.prefix(80))\" here (superseded or expired): ask image.open again",
                            details: [ErrorDetail(field: "image", message: "unknown")])
        }
        let info = image.reply
        guard body.offset >= 0, body.offset < info.bytes, body.offset % Int64(info.chunkBytes) == 0 else {
            throw ErrorBody(code: .invalidRequest,
                            message: "offset must be a multiple of \(info.chunkBytes) below \(info.bytes)",
                            details: [ErrorDetail(field: "offset", message: "out of range")])
        }
        let data = try await offPool(on: work) { try image.chunk(at: body.offset) }
        stats.add("images.chunks_served")
        let hash = image.chunkHashes[Int(body.offset / Int64(info.chunkBytes))]
        return .ok(request, ImageChunkReply(image: info.image, offset: body.offset, bytes: data.count, sha256: hash),
                   attachments: [data])
    }

    /// A consistent copy of the replica in a new file, hashed, and how it was made: the file
    /// copied while it alone holds one state (`ImageCopy`), or else SQLite's backup API.
    private func build() throws -> (image: ImageFile, method: String) {
        let path = directory.appendingPathComponent("\(Self.filePrefix)\(UUID().uuidString.lowercased()).sqlite").path
        do {
            let (position, method) = try ImageCopy.copy(replica.path, to: path, reading: Self.position).map { ($0, "copy") }
                ?? (try backup(to: path), "backup")
            return (try ImageFile(path: path, seq: position.seq, storeID: position.storeID, chunkBytes: chunkBytes), method)
        } catch {
            unlink(path)
            throw error
        }
    }

    /// The position and store history of the state `db` reads.
    private static func position(_ db: Database) throws -> (seq: Int64, storeID: String?) {
        (try Int64.fetchOne(db, sql: "SELECT value FROM replica WHERE name = 'applied_seq'") ?? 0,
         try String.fetchOne(db, sql: "SELECT store_id FROM replica_store"))
    }

    /// SQLite's backup API, in one step inside one read transaction, into `path`.
    private func backup(to path: String) throws -> (seq: Int64, storeID: String?) {
        // A scratch file (removed at the next start if this process dies): no journal, no fsync.
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = OFF")
            try db.execute(sql: "PRAGMA synchronous = OFF")
        }
        let copy = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? copy.close() }
        try replica.pool.backup(to: copy)
        return try copy.read(Self.position)
    }

    /// Drops the image when nobody asked for it for `expireAfter`.
    private func expire(_ state: inout State, now: ContinuousClock.Instant) {
        if state.current != nil, now - state.lastUsed > expireAfter { state.current = nil }
    }

    /// Images left by a process that stopped (their readers are gone with it).
    private func removeLeftovers() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names where name.hasPrefix(Self.filePrefix) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }
}
