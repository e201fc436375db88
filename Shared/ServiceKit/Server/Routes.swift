import Foundation
import Logging
import WireProtocol

/// Which handler answers which message type. Handlers throw `ErrorBody` for errors the
/// client should see; anything else becomes `internal` and is logged.
public struct Routes: Sendable {
    public typealias Handler = @Sendable (Request) async throws -> Reply
    private var handlers: [String: Handler] = [:]

    public init() {}

    public mutating func on(_ type: String, _ handler: @escaping Handler) {
        handlers[type] = handler
    }

    public var types: [String] { handlers.keys.sorted() }

    public func handle(_ request: Request, logger: Logger) async -> Reply {
        guard let handler = handlers[request.type] else {
            return .error(request, ErrorBody(code: .unknownType,
                                             message: "unknown message type \"\(request.type)\"; this service handles: \(types.joined(separator: ", "))"))
        }
        do {
            return try await handler(request)
        } catch let error as ErrorBody {
            return .error(request, error)
        } catch {
            logger.error("request failed", metadata: ["request.id": "\(request.id)", "type": "\(request.type)", "error": "\(error)"])
            return .error(request, ErrorBody(code: .internal, message: "internal error: \(error)"))
        }
    }
}
