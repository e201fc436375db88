import Foundation
import Synchronization
import WireProtocol
import ZMQ

/// A real ROUTER on 127.0.0.1 (on a `SocketPump`'s thread) that answers each request as the
/// test scripts it, or not at all, and records every arrival: which id, when, from which
/// connection. A stand-in for a service whose answers a test must choose.
final class ScriptedPeer: Sendable {
    struct Arrival: Sendable {
        let id: String
        let at: ContinuousClock.Instant
        /// The ROUTER's identity for the sending socket: a new one means a reopened socket.
        let connection: Data
    }

    /// Given the request and how many times its id arrived before, the reply (nil: silence).
    typealias Script = @Sendable (_ request: Request, _ earlier: Int) -> Reply?

    private let pump: SocketPump
    private let serving = Mutex<Task<Void, Never>?>(nil)
    private let arrivals = Mutex<[Arrival]>([])

    /// `bind` may name another loopback address (127.0.0.2) or a port, as replicas of one
    /// service on several addresses have.
    init(context: Context, bind: String = "tcp://127.0.0.1:*", script: @escaping Script) async throws {
        let pump = try await SocketPump.start(name: "scripted-peer", context: context) { context in
            let socket = try context.socket(.router)
            try socket.set(.linger(milliseconds: 0))
            try socket.bind(bind)
            return socket
        }
        self.pump = pump
        let task = Task { [self] in await serve(script) }
        serving.withLock { $0 = task }
    }

    private func serve(_ script: Script) async {
        for await frames in pump.incoming {
            // Identity, the empty delimiter, then the request's frames.
            guard frames.count >= 3, case .success(let request) = Request.parse(frames.dropFirst(2)) else { continue }
            let earlier = arrivals.withLock { arrivals in
                defer { arrivals.append(Arrival(id: request.id, at: .now, connection: frames[0])) }
                return arrivals.count { $0.id == request.id }
            }
            if let reply = script(request, earlier) { pump.send([frames[0], Data()] + reply.frames) }
        }
    }

    var endpoint: String { pump.lastEndpoint }
    var received: [Arrival] { arrivals.withLock { $0 } }

    func stop() async {
        await pump.stop()
        await serving.withLock { $0 }?.value
    }
}
