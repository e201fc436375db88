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

    public static func decode<Body: Decodable>(_ type: Body.Type, from data: Data) throws -> Body {
        if let convertible = type as? any JSONConvertible.Type {
            return try convertible.init(json: JSONParser.parse(data)) as! Body
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: data)
    }
}

/// A body with nothing in it: `{}`.
public struct EmptyBody: Codable, Sendable {
    public init() {}
}
