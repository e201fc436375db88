/// Every error a service can answer with. The codes are part of the protocol: clients
/// branch on them, so they never change meaning.
public enum ErrorCode: String, Codable, Sendable, CaseIterable {
    /// Frames missing, in the wrong order, or not text where text is required.
    case badFrame = "bad_frame"
    /// The body (or an attached record) is not valid JSON, or not an object.
    case badJSON = "bad_json"
    /// The first frame names a protocol version this service does not speak.
    case unsupportedVersion = "unsupported_version"
    /// The service does not handle this message type.
    case unknownType = "unknown_type"
    /// The body is JSON but its fields are wrong for the message type.
    case invalidRequest = "invalid_request"
    /// One or more records failed validation; `details` names each record and field.
    case invalidRecord = "invalid_record"
    /// The message, or the batch, is larger than the service accepts.
    case tooLarge = "too_large"
    case notFound = "not_found"
    /// The caller's identity lacks the role the request needs, or the watch is not theirs;
    /// `identity` and `role` say which.
    case forbidden
    /// A service this one depends on did not answer in time; retry after `retry_after_ms`.
    case unavailable
    case `internal`
}

public struct ErrorDetail: Codable, Sendable, Hashable {
    /// Index of the record in the request's attachments, when the problem is in one.
    public var record: Int?
    /// Path of the field, e.g. `outcomes[1].effect.ci_low`.
    public var field: String?
    public var message: String

    public init(record: Int? = nil, field: String? = nil, message: String) {
        self.record = record
        self.field = field
        self.message = message
    }
}

public struct ErrorBody: Error, Codable, Sendable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    public var details: [ErrorDetail]
    /// For `unavailable`: how long to wait before retrying with the same request id.
    public var retryAfterMs: Int?
    /// For `forbidden`: the authenticated identity refused, and the role it would need.
    public var identity: String?
    public var role: String?

    public init(code: ErrorCode, message: String, details: [ErrorDetail] = [], retryAfterMs: Int? = nil,
                identity: String? = nil, role: String? = nil) {
        self.code = code
        self.message = message
        self.details = details
        self.retryAfterMs = retryAfterMs
        self.identity = identity
        self.role = role
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
