import CurveAuth
import Foundation
import ZMQ

/// A deployment's key folder made for a test (`KeyDirectory.create`, as `ldn keys init`
/// makes it) in a fresh temporary folder, and the socket options each identity connects with.
public struct TestKeys: Sendable {
    public let directory: KeyDirectory

    public init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-keys-\(UUID().uuidString)")
        directory = try KeyDirectory.create(at: url)
    }

    public var path: String { directory.url.path }

    /// The CURVE client options of `identity` (by default admin) reaching `service`.
    public func client(_ identity: String = "admin", to service: String) throws -> [SocketOption] {
        let pair = try directory.keyPair(of: identity)
        return [.curveServerKey(try directory.publicKey(of: service)), .curvePublicKey(pair.publicKey),
                .curveSecretKey(pair.secretKey!)]
    }

    /// `ldn`'s flags for `identity`.
    public func flags(_ identity: String = "admin") -> [String] { ["--keys", path, "--identity", identity] }

    public func remove() { try? FileManager.default.removeItem(at: directory.url) }
}
