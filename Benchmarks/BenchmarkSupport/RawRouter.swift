import Foundation
import Synchronization
import ZMQ

/// The server of the raw baselines: a plain ROUTER socket on a thread of its own, on a free
/// loopback port, answering each message at once. With `curve` it is a CURVE server (its own
/// key pair and no ZAP handler, so any client key is let in): what the encryption alone costs.
public struct RawRouter: Sendable {
    public let context: Context
    public let endpoint: String
    /// What a client connects with: the server's key and a key pair of its own, or nothing.
    public let clientOptions: [SocketOption]

    /// `answer` gets each message's frames (the peer's identity first) and returns the reply's
    /// frames, or nil to stop serving.
    public init(curve: Bool, answer: @escaping @Sendable ([Data]) -> [Data]?) throws {
        let context = try Context()
        let (server, client) = (try Curve.keyPair(), try Curve.keyPair())
        let serverOptions: [SocketOption] = curve ? [.curveServer(true), .curveSecretKey(server.secretKey)] : []
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
            while let frames = try? router.receive(), let reply = answer(frames) {
                _ = try? router.send(reply)
            }
            router.close()
        }.start()
        ready.wait()
        guard let endpoint = bound.withLock({ $0 }) else { throw ZMQError("bind a raw baseline's socket", code: EADDRINUSE) }
        self.context = context
        self.endpoint = endpoint
        clientOptions = curve ? [.curveServerKey(server.publicKey), .curvePublicKey(client.publicKey), .curveSecretKey(client.secretKey)] : []
    }
}
