import Crypto
import CurveAuth
import Foundation

/// Seals webhook secrets for the notifier's database (ChaChaPoly-IETF, a 256-bit key), so
/// that a copy of the database — a backup, a file attached to a bug report — does not hand
/// out the secrets that sign webhooks. Each sealed secret is bound to its watch's name: a
/// secret moved to another row does not open.
///
/// The key file holds the key in base64 on one line (`SecretKeyFile`); `ldn keys init` puts
/// one in a deployment's key folder.
struct SecretSealer: Sendable {
    /// The key file's name: in a deployment's key folder, or in the notifier's data folder.
    static let fileName = "webhook-secrets.key"
    /// How a sealed value in the `secret` column starts; releases before it stored secrets in clear.
    static let sealedPrefix = "sealed:v1:"

    /// Where the key came from, for messages.
    let source: String
    /// The key's 32 bytes (`SymmetricKey` is not `Sendable`: one is made per use, which costs a copy).
    private let keyBytes: Data
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init(key: SymmetricKey, source: String) {
        self.keyBytes = key.withUnsafeBytes { Data($0) }
        self.source = source
    }

    init(keyFile: URL) throws {
        self.init(key: SymmetricKey(data: try SecretKeyFile.read(keyFile)), source: keyFile.path)
    }

    /// Writes a new random key to `file` (`SecretKeyFile`: mode 0600, never over an existing file).
    static func generate(to file: URL) throws {
        try SecretKeyFile.generate(to: file)
    }

    static func isSealed(_ stored: String) -> Bool { stored.hasPrefix(sealedPrefix) }

    /// The secret as the database keeps it.
    func seal(_ secret: String, watch: String) throws -> String {
        let box = try ChaChaPoly.seal(Data(secret.utf8), using: key, authenticating: Data(watch.utf8))
        return Self.sealedPrefix + box.combined.base64EncodedString()
    }

    /// The secret `seal` sealed for this watch; throws when it was sealed with another key,
    /// for another watch, or is damaged.
    func unseal(_ stored: String, watch: String) throws -> String {
        guard Self.isSealed(stored), let combined = Data(base64Encoded: String(stored.dropFirst(Self.sealedPrefix.count))) else {
            throw Failure(description: "not a sealed secret")
        }
        let box = try ChaChaPoly.SealedBox(combined: combined)
        return String(decoding: try ChaChaPoly.open(box, using: key, authenticating: Data(watch.utf8)), as: UTF8.self)
    }
}
