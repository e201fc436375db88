import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// The notifier's HTTP side: one event loop for webhook connections, and the resolver's
/// threads. Both start with the first webhook and end at shutdown. It is the notifier's
/// first service, hence the last to stop: after the watch workers, whose requests it waits for.
///
/// Each attempt gets an `HTTPClient` of its own, because the address it connects to is
/// part of the client's configuration (`dnsOverride`: the host name keeps naming the
/// request and the TLS server, while the connection goes to the checked address and
/// `HTTPClient` makes no lookup of its own). Redirects are never followed. A webhook's
/// matches go out one at a time, so a client per attempt costs a connection (and a TLS
/// handshake) per delivery, which a receiver's rate allows.
final class WebhookTransport: Service, Sendable {
    let resolver: HostResolver
    /// Receivers' certificates are checked against the system's roots, and these (tests).
    private let tls: TLSConfiguration

    /// What came back: the status, and where a redirect pointed.
    struct Answer: Sendable {
        let status: Int
        let location: String?
    }

    private struct State {
        var loops: MultiThreadedEventLoopGroup?
        var active = 0
        var stopped = false
        var drained: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// `trustedCAFile`: a PEM file of roots trusted besides the system's, for tests' receivers.
    init(resolver: HostResolver = HostResolver(), trustedCAFile: String? = nil) {
        self.resolver = resolver
        var tls = TLSConfiguration.makeClientConfiguration()
        if let trustedCAFile { tls.additionalTrustRoots = [.file(trustedCAFile)] }
        self.tls = tls
    }

    /// Sends `request` to the destination's checked address, and returns the status without
    /// reading the body. Throws when there is no answer within `timeout`.
    func send(_ request: HTTPClientRequest, to destination: TargetPolicy.Destination, timeout: Duration) async throws -> Answer {
        let loops = try enter()
        let wait = TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                                          + timeout.components.attoseconds / 1_000_000_000)
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow,
                                                     timeout: .init(connect: wait, read: wait))
        if !destination.isLiteral { configuration.dnsOverride = [destination.host: destination.address.description] }
        let client = HTTPClient(eventLoopGroup: loops, configuration: configuration)
        let answer: Result<Answer, any Error>
        do {
            let response = try await client.execute(request, deadline: .now() + wait)
            answer = .success(Answer(status: Int(response.status.code), location: response.headers.first(name: "Location")))
        } catch {
            answer = .failure(error)
        }
        // Closes the connection, whatever the body still holds; a client must be shut down before it goes.
        try? await client.shutdown()
        leave()
        return try answer.get()
    }

    /// Waits for shutdown, then for the requests under way, and ends the threads.
    func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state in
                state.stopped = true
                if state.active > 0 { state.drained = continuation }
                return state.active == 0
            }
            if idle { continuation.resume() }
        }
        let loops = state.withLock { state in
            defer { state.loops = nil }
            return state.loops
        }
        try? await loops?.shutdownGracefully()
        await resolver.shutdown()
    }

    private func enter() throws -> MultiThreadedEventLoopGroup {
        try state.withLock { state in
            guard !state.stopped else { throw CancellationError() }
            state.active += 1
            if let loops = state.loops { return loops }
            let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            state.loops = loops
            return loops
        }
    }

    private func leave() {
        let drained = state.withLock { state in
            state.active -= 1
            defer { if state.active == 0 { state.drained = nil } }
            return state.active == 0 ? state.drained : nil
        }
        drained?.resume()
    }
}
