import BenchmarkSupport
import Foundation
import Client
import WireProtocol
import ZMQ

/// The floor under every request: a raw ROUTER (`RawRouter`) that answers each request at
/// once with a reply body of a given size, measured with the same client as the services.
enum RawRoundTrip {
    static func measure(replyBytes: Int, count: Int, curve: Bool) async throws -> Measure.Latencies {
        try await serving(replyBytes: replyBytes, curve: curve) { target in
            try await Measure.latencies(target.endpoint, { index in Request(type: "echo", id: "raw-\(index)") },
                                        count: count, security: target.security).0
        }
    }

    /// Runs `body` while a raw router answers any request with a `replyBytes` reply; stops it after.
    static func serving<T>(replyBytes: Int, curve: Bool, _ body: (PairedLatency.Target) async throws -> T) async throws -> T {
        let reply = Data("\"".utf8) + Data(repeating: UInt8(ascii: "x"), count: max(replyBytes - 2, 0)) + Data("\"".utf8)
        // identity, empty, LDN/1, type, request id, body
        let router = try RawRouter(curve: curve) { frames in
            guard frames.count >= 6, frames[3] != Data("stop".utf8) else { return nil }
            return Array(frames.prefix(2)) + [Wire.versionFrame, frames[3], frames[4], Wire.okFrame, reply]
        }
        let result: Result<T, any Error>
        do {
            result = .success(try await body(PairedLatency.Target(endpoint: router.endpoint, security: router.clientOptions)))
        } catch {
            result = .failure(error)
        }
        try await Measure.onThread {
            let socket = try router.context.socket(.dealer)
            try socket.set([.linger(milliseconds: 1000)] + router.clientOptions)
            try socket.connect(router.endpoint)
            try socket.send([Data(), Wire.versionFrame, Data("stop".utf8), Data("stop".utf8), Data("{}".utf8)])
            socket.close()
        }
        return try result.get()
    }
}
