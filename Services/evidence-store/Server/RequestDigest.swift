import Crypto
import Foundation
import WireProtocol

/// SHA-256 of a request's content as the store received it: type, body and attachments, each
/// prefixed with its length so that no two different requests give the same input. Kept with
/// the reply, so that a request id reused for other content is refused, not replayed.
enum RequestDigest {
    static func of(_ request: Request) -> Data {
        var hasher = SHA256()
        for part in [Data(request.type.utf8), request.body] + request.attachments {
            withUnsafeBytes(of: UInt64(part.count).bigEndian) { hasher.update(bufferPointer: $0) }
            hasher.update(data: part)
        }
        return Data(hasher.finalize())
    }
}
