import EvidenceModel
import Foundation

/// JSON for message bodies: members named in snake_case from the properties (`WireKey`),
/// keys sorted, `/` not escaped (DOIs travel in bodies), ISO 8601 dates. Bodies on the
/// record paths have a hand-written form (`JSONConvertible`), which is used instead.
public enum WireJSON {
    public static func encode<Body: Encodable>(_ body: Body) -> Data {
        if let convertible = body as? any JSONConvertible { return convertible.jsonData }
        do {
            return try encoder().encode(body)
        } catch {
            preconditionFailure("message bodies are plain values and always encode: \(error)")
        }
    }

    /// Parses and decodes a body. `strict`: members the type does not have are errors (what
    /// a service reads from a client); off for replies, which newer services may extend.
    /// The encoder for Codable bodies; `pretty` for people (`ldn … --json`), with the same names.
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .custom(WireKey.encoding)
        return encoder
    }

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
