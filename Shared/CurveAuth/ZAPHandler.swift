import Foundation
import Logging
import Synchronization
import WireProtocol
import ZMQ

/// Which identities a server socket lets finish the CURVE handshake: its ZAP domain names
/// the rule. Per-request roles are checked afterwards (`Routes`); this keeps identities that
/// have no business with a socket from even connecting to it (a reader's key and the store).
public enum AccessRule: String, Sendable, CaseIterable {
    /// Any identity on the allow-list (the public services, the notifier's stream).
    case anyIdentity = "ldn"
    /// The store's requests: its services (ingest, followers) and admin.
    case storeRequests = "ldn-store"
    /// The store's change feed: followers and admin.
    case storeFeed = "ldn-feed"

    /// The roles, any one of which lets an identity in; empty means anyone listed.
    public var anyOf: [Role] {
        switch self {
        case .anyIdentity: []
        case .storeRequests: [.ingest, .follower, .admin]
        case .storeFeed: [.follower, .admin]
        }
    }

    public func admits(_ caller: Caller) -> Bool {
        anyOf.isEmpty || anyOf.contains { caller.has($0) }
    }
}

/// The process's ZAP handler (RFC 27): libzmq asks it, over `inproc://zeromq.zap.01`,
/// whether each CURVE client key may connect. It answers from the allow-list as it is at
/// that moment, and names the connection's user by its public key, which every message
/// then carries (`Socket.prefixesUserID`), so that a request is judged by the list in
/// force when it arrives: a key revoked on SIGHUP stops working on connections already open.
///
/// It runs on a thread of its own and must be bound before any CURVE server socket: libzmq
/// lets every CURVE client in when no handler is bound. It ends when its context shuts down.
public enum ZAPHandler {
    public static let endpoint = "inproc://zeromq.zap.01"

    /// Binds the handler and starts its thread; returns once it is bound (throws if it cannot be).
    /// `refused` is called for each handshake turned away, after it is logged.
    public static func start(context: Context, allowList: AllowListFile, logger: Logger,
                             refused: @escaping @Sendable () -> Void) throws {
        let bound = DispatchSemaphore(value: 0)
        let failure = FirstFailure()
        let thread = Thread {
            let socket: Socket
            do {
                socket = try context.socket(.rep)
                try socket.set(.linger(milliseconds: 0))
                try socket.bind(endpoint)
            } catch {
                failure.set(error)
                bound.signal()
                return
            }
            bound.signal()
            defer { socket.close() }
            while true {
                do {
                    guard let request = try socket.receive() else { continue }
                    try socket.send(answer(request, allowList: allowList, logger: logger, refused: refused))
                } catch let error as ZMQError where error.isContextTerminated {
                    return
                } catch {
                    logger.error("ZAP handler error", metadata: ["error": "\(error)"])
                }
            }
        }
        thread.name = "ldn-zap"
        thread.start()
        bound.wait()
        if let error = failure.error { throw error }
    }

    /// The reply to one ZAP request: version, request id, status code and text, user id, metadata.
    static func answer(_ request: Multipart, allowList: AllowListFile, logger: Logger,
                       refused: @Sendable () -> Void) -> Multipart {
        func reply(_ code: String, _ text: String, user: String = "") -> Multipart {
            [Data("1.0".utf8), request.count > 1 ? request[1] : Data(), Data(code.utf8), Data(text.utf8), Data(user.utf8), Data()]
        }
        guard request.count >= 6, String(decoding: request[0], as: UTF8.self) == "1.0" else {
            return reply("500", "malformed ZAP request")
        }
        let domain = String(decoding: request[2], as: UTF8.self)
        let address = String(decoding: request[3], as: UTF8.self)
        let mechanism = String(decoding: request[5], as: UTF8.self)
        guard mechanism == "CURVE", request.count >= 7, let key = Curve.z85(request[6]) else {
            logger.warning("connection refused: not CURVE", metadata: ["address": "\(address)", "mechanism": "\(mechanism)"])
            refused()
            return reply("400", "CURVE keys required")
        }
        guard let entry = allowList.entry(forKey: key) else {
            logger.warning("connection refused: key not on the allow-list",
                           metadata: ["key": "\(key)", "address": "\(address)", "domain": "\(domain)"])
            refused()
            return reply("400", "key not on the allow-list")
        }
        let rule = AccessRule(rawValue: domain) ?? .storeFeed  // an unknown domain admits only the strictest
        guard rule.admits(entry.caller) else {
            logger.warning("connection refused: identity lacks the role for this socket",
                           metadata: ["identity": "\(entry.name)", "key": "\(key)", "address": "\(address)",
                                      "needs": "\(rule.anyOf.map(\.rawValue).joined(separator: " or "))"])
            refused()
            return reply("400", "\(entry.name) may not connect here")
        }
        logger.debug("connection accepted", metadata: ["identity": "\(entry.name)", "address": "\(address)", "domain": "\(domain)"])
        return reply("200", "OK", user: key)
    }
}

/// An error handed from a starting thread to the caller waiting for it.
private final class FirstFailure: Sendable {
    private let stored = Mutex<(any Error)?>(nil)
    func set(_ error: any Error) { stored.withLock { $0 = error } }
    var error: (any Error)? { stored.withLock { $0 } }
}
