import Foundation
import NIOPosix
import Synchronization

/// Looks host names up with `getaddrinfo`, which blocks — for seconds when a name server
/// does not answer. It runs on threads of its own (a `NIOThreadPool`), never on Swift's
/// cooperative pool: there, two slow lookups would stop every task on a two-core machine.
/// The threads start with the first lookup and end with `shutdown()`.
final class HostResolver: Sendable {
    private enum State { case idle, running, stopped }
    private let threads: NIOThreadPool
    private let state = Mutex(State.idle)

    init(threads: Int = 4) {
        self.threads = NIOThreadPool(numberOfThreads: threads)
    }

    /// The host's addresses, in `getaddrinfo`'s order of preference, without repeats; empty
    /// when the name does not resolve.
    func addresses(of host: String) async throws -> [IPAddress] {
        try await run { Self.lookUp(host) }
    }

    /// Runs blocking work on the resolver's threads. Throws `CancellationError` once shut down.
    func run<T: Sendable>(_ blocking: @escaping @Sendable () -> T) async throws -> T {
        try state.withLock { state in
            switch state {
            case .idle: threads.start(); state = .running
            case .running: break
            case .stopped: throw CancellationError()
            }
        }
        return try await threads.runIfActive(blocking)
    }

    /// Ends the threads once the lookups under way have returned.
    func shutdown() async {
        let started = state.withLock { state in
            defer { state = .stopped }
            return state == .running
        }
        if started { try? await threads.shutdownGracefully() }
    }

    /// A resolver dropped without `shutdown()` (a builder that failed half way) still ends its threads.
    deinit {
        if state.withLock({ $0 == .running }) { threads.shutdownGracefully { _ in } }
    }

    private static func lookUp(_ host: String) -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let sockaddr = entry.pointee.ai_addr, let address = IPAddress(UnsafePointer(sockaddr)), !addresses.contains(address) {
                addresses.append(address)
            }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }
}
