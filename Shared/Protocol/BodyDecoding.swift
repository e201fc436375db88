import EvidenceModel
import Foundation

extension Request {
    /// The body as `Body`, or an `invalid_request` error naming what is wrong: a missing or
    /// mistyped field, or a field the message type does not have (a misspelt filter must
    /// not silently match everything).
    public func decodeBody<Body: Codable>(_ type: Body.Type) throws(ErrorBody) -> Body {
        if let convertible = type as? any JSONConvertible.Type { return try decodeConvertible(convertible) as! Body }
        let decoded: Body
        do {
            decoded = try WireJSON.decode(type, from: body)
        } catch let error as DecodingError {
            throw ErrorBody(code: .invalidRequest, message: "\(self.type) body: \(error.plainDescription)")
        } catch let error as JSONShapeError {
            throw ErrorBody(code: .invalidRequest, message: "\(self.type) body: \(error)")
        } catch {
            throw ErrorBody(code: .badJSON, message: "\(self.type) body: \(error)")
        }
        let known = Set((try? JSONParser.parse(WireJSON.encode(decoded)))?.objectKeys ?? [])
        if let given = try? JSONParser.parse(body) { try rejectUnknownFields(given: given, known: known) }
        return decoded
    }
}

extension Request {
    /// The fast path for bodies with a hand-written JSON form: one parse, no Foundation coder.
    private func decodeConvertible(_ type: any JSONConvertible.Type) throws(ErrorBody) -> any JSONConvertible {
        let value: JSONValue
        do {
            value = try parsedBody ?? JSONParser.parse(body)
        } catch {
            throw ErrorBody(code: .badJSON, message: "\(self.type) body: \(error)")
        }
        let decoded: any JSONConvertible
        do {
            decoded = try type.init(json: value)
        } catch {
            throw ErrorBody(code: .invalidRequest, message: "\(self.type) body: \(error)")
        }
        try rejectUnknownFields(given: value, known: type.fieldNames ?? Set(decoded.json.objectKeys))
        return decoded
    }

    private func rejectUnknownFields(given: JSONValue, known: Set<String>) throws(ErrorBody) {
        guard case .object(let members) = given else { return }
        let unknown = members.filter { $0.value != .null && !known.contains($0.key) }.map(\.key)
        guard unknown.isEmpty else {
            throw ErrorBody(code: .invalidRequest, message: "\(type) body has unknown field \"\(unknown[0])\"",
                            details: unknown.map { ErrorDetail(field: $0, message: "unknown field") })
        }
    }
}

extension JSONValue {
    var objectKeys: [String] {
        guard case .object(let members) = self else { return [] }
        return members.map(\.key)
    }
}

extension DecodingError {
    /// "field 'year': expected Int" rather than Foundation's debug dump.
    public var plainDescription: String {
        func path(_ context: Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch self {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "missing field \"\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)\""
        case .typeMismatch(let type, let context):
            return "field \"\(path(context))\": expected \(type)"
        case .valueNotFound(let type, let context):
            return "field \"\(path(context))\": expected \(type), found null"
        case .dataCorrupted(let context):
            let at = path(context)
            return (at.isEmpty ? "" : "field \"\(at)\": ") + context.debugDescription
        @unknown default:
            return "\(self)"
        }
    }
}
