import Foundation
import ZMQ

/// Binds to an ephemeral loopback port and returns the endpoint a peer can connect to.
func bindEphemeral(_ socket: Socket) throws -> String {
    try socket.bind("tcp://127.0.0.1:*")
    return try socket.lastEndpoint
}

func frames(_ strings: String...) -> Multipart { strings.map { Data($0.utf8) } }

func strings(_ message: Multipart?) -> [String] {
    (message ?? []).map { String(decoding: $0, as: UTF8.self) }
}

/// A socket with a receive timeout, so a broken test fails instead of hanging.
func socket(_ context: Context, _ type: SocketType, timeout: Int32 = 2000) throws -> Socket {
    let socket = try context.socket(type)
    try socket.set([.linger(milliseconds: 0), .receiveTimeout(milliseconds: timeout)])
    return socket
}
