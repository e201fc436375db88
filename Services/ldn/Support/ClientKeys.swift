import ArgumentParser
import CurveAuth
import Foundation
import ServiceKit
import ZMQ

/// Which CURVE key `ldn` shows the services, and how it checks them: a folder with this
/// user's `NAME.key_secret` and each service's public `SERVICE.key` (docs/SECURITY.md).
/// Without a folder, `ldn` speaks plaintext, as the local set on loopback does.
struct ClientKeyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Folder with your key (NAME.key_secret) and the services' public keys (env LDN_KEYS).",
                               valueName: "dir"))
    var keys: String?

    @Option(help: "Whose key in the folder to use (env LDN_IDENTITY); by default the only one that is not a service's.")
    var identity: String?

    var folder: String? { keys ?? Setting.optional("LDN_KEYS") }

    /// The key pair in use, or nil without a folder.
    func keyPair() throws -> CurveCertificate? {
        guard let folder else { return nil }
        let directory = KeyDirectory(url: URL(fileURLWithPath: folder))
        if let name = identity ?? Setting.optional("LDN_IDENTITY") { return try directory.keyPair(of: name) }
        let services = Set(KeyDirectory.services.map(\.name))
        let people = directory.secretKeyNames.filter { !services.contains($0) }
        guard people.count == 1 else {
            throw ValidationError(people.isEmpty
                ? "\(folder) holds no client key (NAME.key_secret); `ldn keys add NAME --role ROLE --keys DIR` makes one"
                : "\(folder) holds several keys (\(people.joined(separator: ", "))); choose one with --identity or LDN_IDENTITY")
        }
        return try directory.keyPair(of: people[0])
    }

    /// The socket options for a link to `service`: its public key and ours, or none without a folder.
    func socketOptions(for service: ServiceName) throws -> [SocketOption] {
        guard let folder, let pair = try keyPair(), let secret = pair.secretKey else { return [] }
        let serverKey = try KeyDirectory(url: URL(fileURLWithPath: folder)).publicKey(of: service.keyName)
        return [.curveServerKey(serverKey), .curvePublicKey(pair.publicKey), .curveSecretKey(secret)]
    }

    /// Whether the folder (if any) holds `service`'s public key.
    func hasPublicKey(of service: ServiceName) -> Bool {
        guard let folder else { return true }
        return FileManager.default.fileExists(atPath: KeyDirectory(url: URL(fileURLWithPath: folder)).publicFile(service.keyName).path)
    }

    /// "as alice (key rq:rM…) from ./keys", for errors about a refused key.
    var whoAmI: String {
        guard let folder else { return "without keys (plaintext)" }
        guard let pair = try? keyPair() else { return "with the keys in \(folder)" }
        return "as \(pair.name) (public key \(pair.publicKey)) from \(folder)"
    }
}

extension ServiceName {
    /// The name of the service's key files.
    var keyName: String {
        switch self {
        case .notifierStream: "notifier"
        default: rawValue
        }
    }
}
