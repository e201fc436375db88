import CZMQ

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

    private static func decode(_ text: [CChar]) -> String {
        String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
