import EvidenceModel
import Foundation

extension Request {
    /// The body as `Body`, or an `invalid_request` error naming what is wrong: a missing or
    /// mistyped field, a number out of range, or a field the message type does not have, at
    /// any depth (a misspelt filter must not silently match everything). The body is parsed
    /// once, when the request is read.
    public func decodeBody<Body: Decodable>(_ type: Body.Type) throws(ErrorBody) -> Body {
        let json: JSONValue
        do {
            json = try parsedBody ?? JSONParser.parse(body)
        } catch {
            throw ErrorBody(code: .badJSON, message: "\(self.type) body is not valid JSON: \(error)")
        }
        do {
            return try WireJSON.decode(type, from: json, strict: true)
        } catch let error as DecodingError {
            throw ErrorBody(code: .invalidRequest, message: "\(self.type) body: \(error.plainDescription)",
                            details: [ErrorDetail(field: error.fieldPath, message: error.reason)])
        } catch let error as JSONShapeError {
            throw ErrorBody(code: .invalidRequest, message: "\(self.type) body: \(error)",
                            details: [ErrorDetail(field: error.path, message: error.message)])
        } catch let error as ErrorBody {
            throw error
        } catch {
            throw ErrorBody(code: .invalidRequest, message: "\(self.type) body: \(error)")
        }
    }
}

extension DecodingError {
    /// "field \"filter.condtion\": unknown field" rather than Foundation's debug dump.
    public var plainDescription: String {
        let path = fieldPath
        return path.isEmpty ? reason : "field \"\(path)\": \(reason)"
    }

    /// Where in the body: `filter.design[1]`.
    public var fieldPath: String {
        var path = ""
        for key in context.codingPath + (missingKey.map { [$0] } ?? []) {
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += (path.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return path
    }

    /// What is wrong, in words.
    public var reason: String {
        switch self {
        case .keyNotFound: "is required"
        case .valueNotFound(_, let context): context.debugDescription.isEmpty ? "is required" : "is required, \(context.debugDescription)"
        case .typeMismatch(_, let context), .dataCorrupted(let context): context.debugDescription
        @unknown default: "\(self)"
        }
    }

    private var context: Context {
        switch self {
        case .keyNotFound(_, let context), .valueNotFound(_, let context), .typeMismatch(_, let context),
             .dataCorrupted(let context): context
        @unknown default: Context(codingPath: [], debugDescription: "")
        }
    }

    private var missingKey: (any CodingKey)? {
        if case .keyNotFound(let key, _) = self { return key }
        return nil
    }
}
