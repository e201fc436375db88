import EvidenceModel
import Foundation
import Client
import WireProtocol
import ZMQ

/// One request to a real service from a thread of its own, as any client would send it.
/// `security`: the CURVE client options (`TestKeys.client`), or none for a plaintext service.
public func request(_ endpoint: String, _ request: Request, timeout: Duration = .seconds(10),
                    security: [SocketOption] = []) async throws -> Reply {
    try await offPool {
        try Connection(context: try Context(), endpoint: endpoint, timeout: timeout, retries: 0, security: security).send(request)
    }
}

public func status(_ endpoint: String, security: [SocketOption] = []) async throws -> StatusReply {
    try await request(endpoint, Request(type: MessageType.status, id: UUID().uuidString), security: security)
        .decode(StatusReply.self)
}

/// Records written straight to the store, as ingest writes them once it has validated them
/// (each record's canonical JSON and its write item).
public func write(_ records: [EvidenceRecord], to store: String) async throws -> WriteReply {
    let items = records.map { WriteItem($0, canonical: $0.jsonData, provenance: Provenance(submittedBy: "test")) }
    return try await request(store, Request(type: MessageType.write, id: UUID().uuidString, body: WriteRequest(records: items),
                                            attachments: records.map(\.jsonData))).decode(WriteReply.self)
}

/// Raw frames to a service (after the empty delimiter); the reply, parsed.
public func raw(_ endpoint: String, _ frames: [Data]) async throws -> Reply? {
    try await offPool {
        let socket = try Context().socket(.dealer)
        defer { socket.close() }
        try socket.set([.linger(milliseconds: 0), .receiveTimeout(milliseconds: 10_000)])
        try socket.connect(endpoint)
        try socket.send([Data()] + frames)
        return try socket.receive().flatMap { Reply.parse($0.dropFirst()) }
    }
}
