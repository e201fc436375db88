import Crypto
import Foundation

/// Seals webhook secrets for the notifier's database (ChaChaPoly-IETF, a 256-bit key), so
/// that a copy of the database — a backup, a file attached to a bug report — does not hand
/// out the secrets that sign webhooks. Each sealed secret is bound to its watch's name: a
/// secret moved to another row does not open.
///
/// The key file holds the key in base64 on one line; `generate(to:)` writes one (mode 0600,
/// never over an existing file) and `init(keyFile:)` reads it.
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
        let text: String
        do {
            text = try String(contentsOf: keyFile, encoding: .utf8)
        } catch {
            throw Failure(description: "cannot read the webhook secrets key \(keyFile.path): \(error.localizedDescription)")
        }
        guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32 else {
            throw Failure(description: "\(keyFile.path) does not hold a webhook secrets key: 32 bytes in base64 on one line")
        }
        self.init(key: SymmetricKey(data: bytes), source: keyFile.path)
    }

    /// Writes a new random key to `file`, readable by its owner only. Refuses to replace a
    /// file already there: the secrets sealed with that key would no longer open.
    static func generate(to file: URL) throws {
        let line = Data((SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString() + "\n").utf8)
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw Failure(description: "cannot create the webhook secrets key \(file.path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(file.path)
            throw Failure(description: "cannot write the webhook secrets key \(file.path): \(reason)")
        }
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
