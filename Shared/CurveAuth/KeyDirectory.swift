import Foundation
import WireProtocol

/// A deployment's keys, in one folder (mode 0700), the way an operator keeps SSH keys:
///
///     allow-list                    who may connect, with which roles (`AllowList`)
///     evidence-store.key(_secret)   each service's key pair; services read their own
///     ingest.key(_secret)           secret file and the others' public ones
///     query.key(_secret)
///     notifier.key(_secret)
///     harvester.key(_secret)
///     admin.key(_secret)            the first client identity
///     webhook-secrets.key           the notifier's key for webhook secrets at rest
///
/// A client needs only its own `NAME.key_secret` and the public `SERVICE.key` of each service
/// it talks to; `ldn keys add` can put exactly those in a folder of their own to hand over.
public struct KeyDirectory: Sendable {
    public let url: URL

    public init(url: URL) {
        self.url = url
    }

    /// The services, and the role each one's key holds on the allow-list.
    public static let services: [(name: String, roles: Set<Role>)] = [
        ("evidence-store", []), ("ingest", [.ingest]), ("query", [.follower]), ("notifier", [.follower]),
        // a client of ingest like any submitter; its own endpoint answers `ldn harvest`
        ("harvester", [.submitter]),
    ]
    public static let allowListName = "allow-list"

    public var allowListURL: URL { url.appending(path: Self.allowListName) }
    public var webhookSecretsKeyURL: URL { url.appending(path: "webhook-secrets.key") }
    public func publicFile(_ name: String) -> URL { url.appending(path: "\(name).key") }
    public func secretFile(_ name: String) -> URL { url.appending(path: "\(name).key_secret") }

    public enum Failure: Error, CustomStringConvertible {
        case missing(URL, String)
        case exists(String)
        case unknownIdentity(String)
        case invalidName(String)

        public var description: String {
            switch self {
            case let .missing(url, hint): "\(url.path) does not exist; \(hint)"
            case .exists(let what): what
            case .unknownIdentity(let name): "\(name) is not on the allow-list"
            case .invalidName(let name): "\"\(name)\" is not a usable name: 1–64 letters, digits, '-', '_', '.', '@'"
            }
        }
    }

    /// An identity's own key pair (its `.key_secret` file).
    public func keyPair(of name: String) throws -> CurveCertificate {
        let file = secretFile(name)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw Failure.missing(file, "this folder holds no secret key for \"\(name)\" (ldn keys list shows what it holds)")
        }
        return try CurveCertificate.read(from: file)
    }

    /// A service's public key, which its clients check it by.
    public func publicKey(of name: String) throws -> String {
        let file = publicFile(name)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw Failure.missing(file, "ask the operator for \(name)'s public key file (\(name).key)")
        }
        return try CurveCertificate.read(from: file).publicKey
    }

    /// The identities whose secret key this folder holds.
    public var secretKeyNames: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return files.filter { $0.hasSuffix(".key_secret") }.map { String($0.dropLast(".key_secret".count)) }.sorted()
    }

    // MARK: Making and changing keys (`ldn keys`)

    /// Makes a new deployment's keys: one pair per service and an admin, and the allow-list.
    public static func create(at url: URL) throws -> KeyDirectory {
        let manager = FileManager.default
        if manager.fileExists(atPath: url.appending(path: allowListName).path) {
            throw Failure.exists("\(url.path) already holds a deployment's keys (an allow-list); choose an empty folder")
        }
        try manager.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: url.path)
        let directory = KeyDirectory(url: url)
        var lines = ["# Who may connect: public-key name roles… (see docs/SECURITY.md). Services re-read this file on SIGHUP."]
        for (name, roles) in services + [("admin", [.admin])] {
            let certificate = try CurveCertificate.generate(name: name)
            try certificate.write(to: url)
            if !roles.isEmpty { lines.append(AllowList.Entry(publicKey: certificate.publicKey, name: name, roles: roles).line) }
        }
        try directory.writeAllowList(lines)
        try SecretKeyFile.generate(to: directory.webhookSecretsKeyURL)
        return directory
    }

    /// A new identity: its key pair here, and its line on the allow-list.
    public func add(name: String, roles: Set<Role>) throws -> CurveCertificate {
        guard AllowList.isValidName(name) else { throw Failure.invalidName(name) }
        let list = try AllowList.read(from: allowListURL)
        guard list.entries(named: name).isEmpty else {
            throw Failure.exists("\(name) is already on the allow-list; `ldn keys rotate \(name)` gives it a new key")
        }
        let certificate = try CurveCertificate.generate(name: name)
        try certificate.write(to: url)
        try writeAllowList(try allowListLines() + [AllowList.Entry(publicKey: certificate.publicKey, name: name, roles: roles).line])
        return certificate
    }

    /// A second key for `name`, with the same roles; the first stays valid until revoked, so
    /// clients can move to the new one with no failed request. The old files are kept as `.old`.
    public func rotate(name: String) throws -> (new: CurveCertificate, old: [String]) {
        let list = try AllowList.read(from: allowListURL)
        let entries = list.entries(named: name)
        guard let roles = entries.first?.roles else { throw Failure.unknownIdentity(name) }
        let manager = FileManager.default
        for file in [publicFile(name), secretFile(name)] where manager.fileExists(atPath: file.path) {
            let old = file.appendingPathExtension("old")
            try? manager.removeItem(at: old)
            try manager.moveItem(at: file, to: old)
        }
        let certificate = try CurveCertificate.generate(name: name)
        try certificate.write(to: url)
        try writeAllowList(try allowListLines() + [AllowList.Entry(publicKey: certificate.publicKey, name: name, roles: roles).line])
        return (certificate, entries.map(\.publicKey))
    }

    /// Takes `name` off the allow-list (every key, or only `key`). Returns the keys removed.
    public func revoke(name: String, key: String? = nil) throws -> [String] {
        let list = try AllowList.read(from: allowListURL)
        let removed = list.entries(named: name).map(\.publicKey).filter { key == nil || $0 == key }
        guard !removed.isEmpty else {
            throw key == nil ? Failure.unknownIdentity(name) : Failure.exists("\(name) holds no key \(key!)")
        }
        let kept = try allowListLines().filter { line in
            !removed.contains { line.split(separator: " ").first.map(String.init) == $0 }
        }
        try writeAllowList(kept)
        return removed
    }

    private func allowListLines() throws -> [String] {
        try String(contentsOf: allowListURL, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init).reversed().drop(while: \.isEmpty).reversed()
    }

    /// Writes the whole list at once (a reader never sees half of it), checked first.
    private func writeAllowList(_ lines: [String]) throws {
        let text = lines.joined(separator: "\n") + "\n"
        _ = try AllowList.parse(text, source: allowListURL.path)
        try text.write(to: allowListURL, atomically: true, encoding: .utf8)
    }
}
