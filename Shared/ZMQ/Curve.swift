import CZMQ
import Foundation

/// CURVE encryption keys (Z85 text, 40 characters), for encrypting links between hosts.
public enum Curve {
    public static var isAvailable: Bool { zmq_has("curve") == 1 }

    public static func keyPair() throws -> (publicKey: String, secretKey: String) {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        try check("zmq_curve_keypair") { zmq_curve_keypair(&publicKey, &secretKey) }
        return (decode(publicKey), decode(secretKey))
    }

    /// The public key belonging to a secret key.
    public static func publicKey(forSecret secretKey: String) throws -> String {
        var publicKey = [CChar](repeating: 0, count: 41)
        try check("zmq_curve_public") { zmq_curve_public(&publicKey, secretKey) }
        return decode(publicKey)
    }

    /// A 32-byte binary key (as a ZAP request carries it) in Z85 text; nil for any other size.
    public static func z85(_ key: Data) -> String? {
        guard key.count == 32 else { return nil }
        var text = [CChar](repeating: 0, count: 41)
        let encoded = key.withUnsafeBytes { bytes in
            zmq_z85_encode(&text, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), 32)
        }
        return encoded == nil ? nil : decode(text)
    }

    /// Whether `text` is a Z85-encoded 32-byte key (40 characters of the Z85 alphabet).
    public static func isKey(_ text: String) -> Bool {
        guard text.utf8.count == 40 else { return false }
        var bytes = [UInt8](repeating: 0, count: 32)
        return zmq_z85_decode(&bytes, text) != nil
    }

    private static func decode(_ text: [CChar]) -> String {
        String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
