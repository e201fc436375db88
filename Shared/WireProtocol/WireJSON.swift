import EvidenceModel
import Foundation

/// JSON for message bodies, one way: Codable, written by `BodyEncoder` and read by
/// `JSONValueDecoder` from the tree `JSONParser` made. Members are the properties' names in
/// snake_case (`WireKey`), `/` is not escaped (DOIs travel in bodies), dates are ISO 8601.
/// What carries records one by one (intake bodies, change headers, hits) has a hand-written
/// form (`JSONConvertible`), which both use wherever such a value stands.
public enum WireJSON {
    public static func encode<Body: Encodable>(_ body: Body) -> Data {
        do {
            return try BodyEncoder.encode(body)
        } catch {
            preconditionFailure("message bodies are plain values and always encode: \(error)")
        }
    }

    /// As `encode`, but a value JSON cannot carry (NaN, an infinity) is an error instead of a
    /// trap: for bodies computed from stored data, which no service may crash on.
    public static func encodeChecked<Body: Encodable>(_ body: Body) throws -> Data {
        try BodyEncoder.encode(body)
    }

    /// Parses and decodes a body. `strict`: members the type does not have are errors (what
    /// a service reads from a client); off for replies, which newer services may extend.
    public static func decode<Body: Decodable>(_ type: Body.Type, from data: Data, strict: Bool = false) throws -> Body {
        try decode(type, from: JSONParser.parse(data), strict: strict)
    }

    public static func decode<Body: Decodable>(_ type: Body.Type, from json: JSONValue, strict: Bool = false) throws -> Body {
        try JSONValueDecoder.decode(type, from: json, strict: strict)
    }

    /// Foundation's encoder with the same names, keys sorted, for people (`ldn … --json`).
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .custom(WireKey.encoding)
        return encoder
    }
}

/// A body with nothing in it: `{}` (any member is unknown).
public struct EmptyBody: Codable, Sendable {
    public init() {}

    public init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: MemberKey.self)  // an object, whose members are all unknown
    }
}
