import Foundation

/// `image.open` (query replica; its body is `EmptyBody`, `{}`) opens a consistent copy of the
/// replica's database, for a new replica to start from instead of loading the store's
/// snapshot record by record. Its reply: which image to fetch, how large it is and how to check it.
public struct ImageOpenReply: Codable, Sendable, Equatable {
    /// Names this image in `image.chunk`; another image (a newer one) has another id.
    public var image: String
    /// The store's sequence number the image is consistent at: follow the feed from here.
    public var seq: Int64
    /// The store history the image belongs to (nil from a replica that never heard one).
    public var storeID: String?
    /// The image's size in bytes.
    public var bytes: Int64
    /// Every chunk but the last has this many bytes; ask at multiples of it.
    public var chunkBytes: Int
    /// SHA-256 of the whole image, lowercase hex.
    public var sha256: String

    public init(image: String, seq: Int64, storeID: String?, bytes: Int64, chunkBytes: Int, sha256: String) {
        self.image = image
        self.seq = seq
        self.storeID = storeID
        self.bytes = bytes
        self.chunkBytes = chunkBytes
        self.sha256 = sha256
    }
}

/// `image.chunk` request: the bytes of `image` from `offset` (a multiple of `chunk_bytes`).
public struct ImageChunkRequest: Codable, Sendable {
    public var image: String
    public var offset: Int64

    public init(image: String, offset: Int64) {
        self.image = image
        self.offset = offset
    }
}

/// `image.chunk` reply; the attachment holds the chunk's bytes.
public struct ImageChunkReply: Codable, Sendable {
    public var image: String
    public var offset: Int64
    public var bytes: Int
    /// SHA-256 of this chunk's bytes, lowercase hex.
    public var sha256: String

    public init(image: String, offset: Int64, bytes: Int, sha256: String) {
        self.image = image
        self.offset = offset
        self.bytes = bytes
        self.sha256 = sha256
    }
}
