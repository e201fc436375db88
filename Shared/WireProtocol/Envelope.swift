import EvidenceModel
import Foundation

/// The frames of every request and reply (after any ZeroMQ routing frames):
///
///     request: "LDN/1" | type | request id | body (JSON object) | attachment…
///     reply:   "LDN/1" | type | request id | "ok" or "error" | body (JSON object) | attachment…
///
/// Attachments carry records as their own JSON frames, so that a batch need not be
/// parsed as one document and one bad record cannot spoil the others.
public enum Wire {
    public static let version = "LDN/1"
    public static let versionFrame = Data(version.utf8)
    public static let okFrame = Data("ok".utf8)
    public static let errorFrame = Data("error".utf8)
    public static let maximumRequestIDLength = 128
}

public struct Request: Sendable {
    public var type: String
    public var id: String
    public var body: Data
    public var attachments: [Data]
    /// The body as parsed when the request was read, so handlers need not parse it again.
    var parsedBody: JSONValue?
    /// Who sent it, as the receiving service authenticated the connection; not a frame.
    public var caller: Caller = .unauthenticated

    public init(type: String, id: String, body: Data = Data("{}".utf8), attachments: [Data] = []) {
        self.type = type
        self.id = id
        self.body = body
        self.attachments = attachments
    }

    public init<Body: Encodable>(type: String, id: String, body: Body, attachments: [Data] = []) {
        self.init(type: type, id: id, body: WireJSON.encode(body), attachments: attachments)
    }

    public var frames: [Data] {
        [Wire.versionFrame, Data(type.utf8), Data(id.utf8), body] + attachments
    }

    /// Reads the frames after the routing envelope. Errors say what a client got wrong;
    /// `partial` carries the type and id when they could be read, so the reply can echo them.
    public static func parse(_ frames: ArraySlice<Data>) -> Result<Request, ProtocolFailure> {
        var partial = Request(type: "", id: "")
        guard let versionFrame = frames.first else {
            return .failure(ProtocolFailure(.badFrame, "empty message: expected \"LDN/1\", type, request id, body", partial))
        }
        let version = String(decoding: versionFrame, as: UTF8.self)
        guard version == Wire.version else {
            if version.hasPrefix("LDN/") {
                return .failure(ProtocolFailure(.unsupportedVersion, "protocol \(version) is not supported; this service speaks \(Wire.version)", partial))
            }
            return .failure(ProtocolFailure(.badFrame, "first frame must be \"\(Wire.version)\"", partial))
        }
        let rest = frames.dropFirst()
        if let type = rest.first.flatMap({ String(validating: $0, as: UTF8.self) }) { partial.type = type }
        if rest.count >= 2, let id = String(validating: rest[rest.startIndex + 1], as: UTF8.self) { partial.id = id }
        guard rest.count >= 3 else {
            return .failure(ProtocolFailure(.badFrame, "expected 4 frames (\"LDN/1\", type, request id, body), got \(frames.count)", partial))
        }
        guard !partial.type.isEmpty, partial.type.utf8.count <= 64,
              partial.type.utf8.allSatisfy({ (0x21..<0x7F).contains($0) }) else {
            return .failure(ProtocolFailure(.badFrame, "message type must be 1–64 printable ASCII characters", partial))
        }
        let idFrame = rest[rest.startIndex + 1]
        guard !partial.id.isEmpty, idFrame.count <= Wire.maximumRequestIDLength,
              !partial.id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            partial.id = ""
            return .failure(ProtocolFailure(.badFrame, "request id must be 1–\(Wire.maximumRequestIDLength) bytes of UTF-8 text without control characters", partial))
        }
        let body = rest[rest.startIndex + 2]
        var request = Request(type: partial.type, id: partial.id, body: body, attachments: Array(rest.dropFirst(3)))
        do {
            let parsed = try JSONParser.parse(body)
            guard case .object = parsed else {
                return .failure(ProtocolFailure(.badJSON, "body must be a JSON object", request))
            }
            request.parsedBody = parsed
        } catch {
            return .failure(ProtocolFailure(.badJSON, "body is not valid JSON: \(error)", request))
        }
        return .success(request)
    }
}

public struct Reply: Sendable {
    public var type: String
    public var requestID: String
    public var isOK: Bool
    public var body: Data
    public var attachments: [Data]

    public init(type: String, requestID: String, isOK: Bool = true, body: Data, attachments: [Data] = []) {
        self.type = type
        self.requestID = requestID
        self.isOK = isOK
        self.body = body
        self.attachments = attachments
    }

    public static func ok<Body: Encodable>(_ request: Request, _ body: Body, attachments: [Data] = []) -> Reply {
        Reply(type: request.type, requestID: request.id, body: WireJSON.encode(body), attachments: attachments)
    }

    public static func error(_ request: Request, _ error: ErrorBody) -> Reply {
        Reply(type: request.type, requestID: request.id, isOK: false, body: WireJSON.encode(error))
    }

    public var frames: [Data] {
        [Wire.versionFrame, Data(type.utf8), Data(requestID.utf8), isOK ? Wire.okFrame : Wire.errorFrame, body] + attachments
    }

    public static func parse(_ frames: ArraySlice<Data>) -> Reply? {
        guard frames.count >= 5, frames.first == Wire.versionFrame else { return nil }
        let base = frames.startIndex
        return Reply(type: String(decoding: frames[base + 1], as: UTF8.self),
                     requestID: String(decoding: frames[base + 2], as: UTF8.self),
                     isOK: frames[base + 3] == Wire.okFrame,
                     body: frames[base + 4],
                     attachments: Array(frames.dropFirst(5)))
    }

    /// The decoded body of a successful reply, or the service's error.
    public func decode<Body: Decodable>(_ type: Body.Type) throws -> Body {
        guard isOK else { throw try WireJSON.decode(ErrorBody.self, from: body) }
        return try WireJSON.decode(type, from: body)
    }
}

/// A request that could not be read, with whatever of it could be.
public struct ProtocolFailure: Error, Sendable {
    public var error: ErrorBody
    public var partial: Request

    public init(_ code: ErrorCode, _ message: String, _ partial: Request) {
        self.error = ErrorBody(code: code, message: message)
        self.partial = partial
    }
}
