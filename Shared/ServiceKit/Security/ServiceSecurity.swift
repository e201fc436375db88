import Dispatch
import Foundation
import Logging
import CurveAuth
import WireProtocol
import ZMQ

/// How one service process protects its sockets (docs/SECURITY.md).
///
/// With a key folder (`--keys`): every server socket is a CURVE server whose handshakes the
/// process's ZAP handler judges against the allow-list, every request carries its caller,
/// and every link to another service is a CURVE client that checks the service's public key.
/// Without one: plaintext, which a service accepts only on loopback unless `--insecure`.
public final class ServiceSecurity: Sendable {
    public let keys: KeyDirectory?
    /// This process's key pair; nil without keys.
    public let keyPair: CurveCertificate?
    public let allowList: AllowListFile?
    public let insecure: Bool

    /// Plaintext: no keys.
    public init(insecure: Bool) {
        keys = nil
        keyPair = nil
        allowList = nil
        self.insecure = insecure
    }

    /// Keys from `directory`, this process being `identity`. Starts the ZAP handler on
    /// `context`, which must happen before any server socket binds.
    public init(directory: URL, identity: String, context: Context, logger: Logger,
                refused: @escaping @Sendable () -> Void) throws {
        let keys = KeyDirectory(url: directory)
        self.keys = keys
        keyPair = try keys.keyPair(of: identity)
        let allowList = try AllowListFile(url: keys.allowListURL)
        self.allowList = allowList
        insecure = false
        try ZAPHandler.start(context: context, allowList: allowList, logger: logger, refused: refused)
    }

    public var isEnabled: Bool { keyPair != nil }

    /// The options of a server socket about to bind `endpoint`, admitting identities by `rule`.
    /// Throws, and the service does not start, for a plaintext socket reachable from other
    /// hosts without `--insecure`.
    public func serverOptions(binding endpoint: String, rule: AccessRule = .anyIdentity) throws -> [SocketOption] {
        guard let keyPair, let secret = keyPair.secretKey else {
            guard insecure || Self.isLocal(endpoint) else { throw RefusedEndpoint(endpoint: endpoint) }
            return []
        }
        return [.zapDomain(rule.rawValue), .curveServer(true), .curveSecretKey(secret)]
    }

    /// The options of a link to `service` (e.g. "evidence-store"): checks the service by its
    /// public key in the key folder, and shows it this process's key.
    public func clientOptions(to service: String) throws -> [SocketOption] {
        guard let keys, let keyPair, let secret = keyPair.secretKey else { return [] }
        return [.curveServerKey(try keys.publicKey(of: service)), .curvePublicKey(keyPair.publicKey), .curveSecretKey(secret)]
    }

    /// The caller of a request from the user id its connection was admitted with (the
    /// client's public key); nil when that key has been revoked since.
    public func caller(userID: Data) -> Caller? {
        guard let allowList else { return .unauthenticated }
        return allowList.entry(forKey: String(decoding: userID, as: UTF8.self))?.caller
    }

    /// Reads the allow-list again on every SIGHUP, for as long as the process runs. Without
    /// keys there is nothing to read: the signal is logged, and does not end the process.
    public func reloadOnHangup(logger: Logger) {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { [allowList] in
            guard let allowList else {
                return logger.notice("SIGHUP: no keys in use, so no allow-list to reload")
            }
            do {
                let list = try allowList.reload()
                logger.notice("allow-list reloaded", metadata: ["identities": "\(list.names.count)", "keys": "\(list.entries.count)"])
            } catch {
                logger.error("allow-list not reloaded: the one in force stays", metadata: ["error": "\(error)"])
            }
        }
        source.resume()
        HangupSources.keep(source)
    }

    /// Loopback TCP, IPC and in-process endpoints, which no other host can reach.
    public static func isLocal(_ endpoint: String) -> Bool {
        if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
        guard endpoint.hasPrefix("tcp://") else { return false }
        let address = endpoint.dropFirst("tcp://".count)
        let host = address.hasPrefix("[") ? String(address.dropFirst().prefix { $0 != "]" })
                                          : String(address.prefix { $0 != ":" })
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// A plaintext socket that other hosts could reach.
public struct RefusedEndpoint: Error, CustomStringConvertible {
    public let endpoint: String
    public var description: String {
        "refusing to listen on \(endpoint) without keys: other hosts could reach it unencrypted and unauthenticated. "
            + "Give the deployment's key folder (--keys DIR, env LDN_KEYS; `ldn keys init DIR` makes one), "
            + "bind 127.0.0.1, or pass --insecure (env LDN_INSECURE=1) to accept the risk"
    }
}

/// Signal sources live as long as the process: kept here so that nothing cancels them.
private enum HangupSources {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    private static let lock = NSLock()
    static func keep(_ source: any DispatchSourceSignal) { lock.withLock { sources.append(source) } }
}
