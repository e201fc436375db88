import Foundation
import Logging
import WireProtocol

/// Which handler answers which message type. Handlers throw `ErrorBody` for errors the
/// client should see; anything else becomes `internal` and is logged.
///
/// Each handler gets the request's own logger, which carries `request.id`, `request.type`
/// and `peer` on every line, so that handlers never retype them.
public struct Routes: Sendable {
    public typealias Handler = @Sendable (Request, Logger) async throws -> Reply
    private var handlers: [String: (role: Role?, handle: Handler)] = [:]

    public init() {}

    /// `handler` answers `type` for any identity the service admitted.
    public mutating func on(_ type: String, _ handler: @escaping Handler) {
        handlers[type] = (nil, handler)
    }

    /// `handler` answers `type` for callers holding `role`; others get `forbidden`.
    public mutating func on(_ type: String, requires role: Role, _ handler: @escaping Handler) {
        handlers[type] = (role, handler)
    }

    public var types: [String] { handlers.keys.sorted() }

    /// - Parameter logger: the request's logger (see `RequestServer`).
    public func handle(_ request: Request, logger: Logger) async -> Reply {
        guard let (role, handler) = handlers[request.type] else {
            return .error(request, ErrorBody(code: .unknownType,
                                             message: "unknown message type \"\(request.type)\"; this service handles: \(types.joined(separator: ", "))"))
        }
        do {
            if let role { try request.caller.require(role, toDo: request.type) }
            return try await handler(request, logger)
        } catch let error as ErrorBody {
            return .error(request, error)
        } catch {
            logger.error("request failed", metadata: ["error": "\(error)"])
            return .error(request, ErrorBody(code: .internal, message: "internal error: \(error)"))
        }
    }
}
