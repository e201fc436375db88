import Foundation

/// A 256-bit symmetric key in a file of its own: base64 on one line, readable by its owner
/// only (the notifier's key for webhook secrets at rest, `webhook-secrets.key`).
public enum SecretKeyFile {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Writes a new random key to `file`. Refuses to replace a file already there: whatever
    /// was sealed with that key would no longer open.
    public static func generate(to file: URL) throws {
        var generator = SystemRandomNumberGenerator()
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let line = Data((key.base64EncodedString() + "\n").utf8)
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw Failure(description: "cannot create the key file \(file.path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(file.path)
            throw Failure(description: "cannot write the key file \(file.path): \(reason)")
        }
    }

    /// The key's 32 bytes.
    public static func read(_ file: URL) throws -> Data {
        let text: String
        do {
            text = try String(contentsOf: file, encoding: .utf8)
        } catch {
            throw Failure(description: "cannot read the key file \(file.path): \(error.localizedDescription)")
        }
        guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32 else {
            throw Failure(description: "\(file.path) does not hold a key: 32 bytes in base64 on one line")
        }
        return bytes
    }
}
