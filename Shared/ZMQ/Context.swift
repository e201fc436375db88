import CZMQ
import Foundation
import Synchronization

/// One per process. libzmq contexts are thread-safe, so this type is `Sendable`;
/// the sockets it makes are not, and each stays on the thread that created it.
public final class Context: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    public init(ioThreads: Int32 = 1) throws {
        guard let handle = zmq_ctx_new() else { throw ZMQError("zmq_ctx_new") }
        self.handle = handle
        try check("zmq_ctx_set(ZMQ_IO_THREADS)") { zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads) }
    }

    /// Makes every blocking call on this context's sockets return `ETERM`; sockets must still be closed.
    public func shutdown() {
        zmq_ctx_shutdown(handle)
    }

    public func socket(_ type: SocketType) throws -> Socket {
        guard let socket = zmq_socket(handle, type.rawValue) else { throw ZMQError("zmq_socket(\(type))") }
        return Socket(handle: socket, type: type, context: self)
    }

    /// Whether `terminate(within:)` has run (then `deinit` must not terminate again).
    private let terminated = Mutex(false)

    /// Terminates the context, waiting at most `timeout` for its sockets to close (their
    /// queued messages go out within each socket's linger). False when it gave up: a socket
    /// is still open, and the caller should end the process rather than hang at exit.
    public func terminate(within timeout: Duration) -> Bool {
        terminated.withLock { $0 = true }
        let done = DispatchSemaphore(value: 0)
        Thread { [self] in
            while zmq_ctx_term(handle) == -1 && zmq_errno() == EINTR {}
            done.signal()
        }.start()
        let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        return done.wait(timeout: .now() + .nanoseconds(Int(nanoseconds))) == .success
    }

    deinit {
        // Blocks until every socket is closed; by then all socket threads have finished.
        guard !terminated.withLock({ $0 }) else { return }
        while zmq_ctx_term(handle) == -1 && zmq_errno() == EINTR {}
    }

    /// The libzmq version, e.g. "4.3.4".
    public static var libraryVersion: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }
}

public struct SocketType: Sendable, Equatable, CustomStringConvertible {
    public let rawValue: Int32
    public let description: String

    public static let pair = SocketType(rawValue: ZMQ_PAIR, description: "PAIR")
    public static let pub = SocketType(rawValue: ZMQ_PUB, description: "PUB")
    public static let sub = SocketType(rawValue: ZMQ_SUB, description: "SUB")
    public static let req = SocketType(rawValue: ZMQ_REQ, description: "REQ")
    public static let rep = SocketType(rawValue: ZMQ_REP, description: "REP")
    public static let dealer = SocketType(rawValue: ZMQ_DEALER, description: "DEALER")
    public static let router = SocketType(rawValue: ZMQ_ROUTER, description: "ROUTER")
    public static let pull = SocketType(rawValue: ZMQ_PULL, description: "PULL")
    public static let push = SocketType(rawValue: ZMQ_PUSH, description: "PUSH")
    public static let xpub = SocketType(rawValue: ZMQ_XPUB, description: "XPUB")
    public static let xsub = SocketType(rawValue: ZMQ_XSUB, description: "XSUB")
}
