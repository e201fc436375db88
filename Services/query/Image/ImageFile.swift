import Crypto
import Foundation
import WireProtocol

/// One image on disk, open for reading: chunks are read with `pread` on the open descriptor,
/// so a superseded image's file can be removed while a read of it is still running.
final class ImageFile: Sendable {
    let reply: ImageOpenReply
    let path: String
    let built: ContinuousClock.Instant
    /// SHA-256 of each chunk, computed once when the image is built.
    let chunkHashes: [String]
    private let descriptor: Int32

    init(path: String, seq: Int64, storeID: String?, chunkBytes: Int) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ErrorBody(code: .internal, message: "cannot open the image \(path): errno \(errno)") }
        self.descriptor = descriptor
        self.path = path
        built = .now
        var hashes: [String] = []
        var digests = Data()
        var buffer = [UInt8](repeating: 0, count: chunkBytes)
        var size: Int64 = 0
        while true {
            let count = try Self.read(descriptor, into: &buffer, at: size)
            if count == 0 { break }
            let digest = SHA256.hash(data: buffer[0..<count])
            hashes.append(digest.hex)
            digests.append(contentsOf: digest)
            size += Int64(count)
        }
        chunkHashes = hashes
        reply = ImageOpenReply(image: UUID().uuidString.lowercased(), seq: seq, storeID: storeID, bytes: size,
                               chunkBytes: chunkBytes, sha256: Self.wholeChecksum(digests))
    }

    /// The whole image's checksum (PROTOCOL.md 4.18): SHA-256 over the chunks' SHA-256 digests
    /// (32 bytes each, in order), so that each side hashes the bytes once.
    static func wholeChecksum(_ chunkDigests: Data) -> String { SHA256.hash(data: chunkDigests).hex }

    deinit {
        close(descriptor)
        unlink(path)  // superseded or expired: nothing else uses it
    }

    /// The chunk at `offset` (a multiple of the chunk size, inside the image).
    func chunk(at offset: Int64) throws -> Data {
        var buffer = [UInt8](repeating: 0, count: reply.chunkBytes)
        let count = try Self.read(descriptor, into: &buffer, at: offset)
        return Data(buffer[0..<count])
    }

    /// Reads until `buffer` is full or the file ends; the count read.
    private static func read(_ descriptor: Int32, into buffer: inout [UInt8], at offset: Int64) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + filled, $0.count - filled, off_t(offset) + off_t(filled)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ErrorBody(code: .internal, message: "cannot read the image: errno \(errno)")
            }
            if count == 0 { break }
            filled += count
        }
        return filled
    }
}

extension Sequence<UInt8> {
    /// Lowercase hex, as checksums travel on the wire.
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
