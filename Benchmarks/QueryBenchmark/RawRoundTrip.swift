import BenchmarkSupport
import Foundation
import Client
import Synchronization
import WireProtocol
import ZMQ

/// The floor under every request: a plain ROUTER socket on a thread of its own that answers
/// each request at once with a reply body of a given size, measured with the same client
/// as the services. With `curve`, the socket is a CURVE server (its own key pair; no ZAP
/// handler, so any client key is let in) and the client a CURVE client: what the encryption
/// alone costs a round trip.
enum RawRoundTrip {
    static func measure(replyBytes: Int, count: Int, curve: Bool) async throws -> Measure.Latencies {
        let context = try Context()
        let (server, client) = (try Curve.keyPair(), try Curve.keyPair())
        let serverOptions: [SocketOption] = curve ? [.curveServer(true), .curveSecretKey(server.secretKey)] : []
        let clientOptions: [SocketOption] = curve ? [.curveServerKey(server.publicKey), .curvePublicKey(client.publicKey),
                                                     .curveSecretKey(client.secretKey)] : []
        let body = Data("\"".utf8) + Data(repeating: UInt8(ascii: "x"), count: max(replyBytes - 2, 0)) + Data("\"".utf8)
        let bound = Mutex<String?>(nil)
        let ready = DispatchSemaphore(value: 0)
        Thread {
            guard let router = try? context.socket(.router), (try? router.set([.linger(milliseconds: 0)] + serverOptions)) != nil,
                  (try? router.bind("tcp://127.0.0.1:*")) != nil else {
                ready.signal()
                return
            }
            bound.withLock { $0 = try? router.lastEndpoint }
            ready.signal()
            // identity, empty, LDN/1, type, request id, body
            while let frames = try? router.receive(), frames.count >= 6, frames[3] != Data("stop".utf8) {
                _ = try? router.send(Array(frames.prefix(2)) + [Wire.versionFrame, frames[3], frames[4], Wire.okFrame, body])
            }
            router.close()
        }.start()
        ready.wait()
        guard let endpoint = bound.withLock({ $0 }) else { throw ZMQError("bind the raw echo socket", code: EADDRINUSE) }
        let (latencies, _) = try await Measure.latencies(endpoint, { index in Request(type: "echo", id: "raw-\(index)") }, count: count,
                                                     security: clientOptions)
        try await Measure.onThread {
            let socket = try context.socket(.dealer)
            try socket.set([.linger(milliseconds: 1000)] + clientOptions)
            try socket.connect(endpoint)
            try socket.send([Data(), Wire.versionFrame, Data("stop".utf8), Data("stop".utf8), Data("{}".utf8)])
            socket.close()
        }
        return latencies
    }
}
