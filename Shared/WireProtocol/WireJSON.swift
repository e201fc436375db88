import EvidenceModel
import Foundation

/// JSON for message bodies: keys sorted, `/` not escaped (DOIs travel in bodies), ISO 8601 dates.
public enum WireJSON {
    public static func encode<Body: Encodable>(_ body: Body) -> Data {
        if let convertible = body as? any JSONConvertible { return convertible.jsonData }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            return try encoder.encode(body)
        } catch {
            preconditionFailure("message bodies are plain values and always encode: \(error)")
        }
    }

    /// Parses and decodes a body. `strict`: members the type does not have are errors (what
    /// a service reads from a client); off for replies, which newer services may extend.
    public static func decode<Body: Decodable>(_ type: Body.Type, from data: Data, strict: Bool = false) throws -> Body {
        try decode(type, from: JSONParser.parse(data), strict: strict)
    }

    public static func decode<Body: Decodable>(_ type: Body.Type, from json: JSONValue, strict: Bool = false) throws -> Body {
        if let convertible = type as? any JSONConvertible.Type {
            return try convertible.init(json: json) as! Body
        }
        return try JSONValueDecoder.decode(type, from: json, strict: strict)
    }
}

/// A body with nothing in it: `{}` (any member is unknown).
public struct EmptyBody: Codable, Sendable {
    public init() {}

    public init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: MemberKey.self)  // an object, whose members are all unknown
    }
}
