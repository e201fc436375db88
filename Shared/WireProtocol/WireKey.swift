import EvidenceModel

/// How a Swift property becomes a member of a Codable body: its name in snake_case, an
/// acronym as one word (`storeHead` → `store_head`, `recordID` → `record_id`). So a body's
/// fields are named once, by its properties; a `CodingKeys` case with a raw value is left
/// for a member whose name is not its property's (`"protocol"`). A name without capitals
/// stays as it is. The keys of `[String: …]` dictionaries and of `JSONValue` objects are
/// data, not field names, and are never converted.
enum WireKey {
    static func name(_ swiftName: String) -> String {
        guard swiftName.utf8.contains(where: isUpper) else { return swiftName }
        let bytes = Array(swiftName.utf8)
        var name: [UInt8] = []
        name.reserveCapacity(bytes.count + 4)
        for (index, byte) in bytes.enumerated() {
            guard isUpper(byte) else { name.append(byte); continue }
            if index > 0 {
                let previous = bytes[index - 1]
                let startsWord = isUpper(previous)
                    ? index + 1 < bytes.count && isLower(bytes[index + 1])  // the last capital of an acronym before a word
                    : previous != UInt8(ascii: "_")
                if startsWord { name.append(UInt8(ascii: "_")) }
            }
            name.append(byte + 32)
        }
        return String(decoding: name, as: UTF8.self)
    }

    /// For `JSONEncoder`: the wire name of each property's key; data keys as they are.
    static func encoding(_ path: [any CodingKey]) -> any CodingKey {
        let key = path[path.count - 1]
        if key is any VerbatimCodingKey { return key }
        return MemberKey(name(key.stringValue))
    }

    private static func isUpper(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }
    private static func isLower(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
}

/// `[String: …]`: decoded with its keys as they are (see `WireKey`).
protocol StringKeyedDictionary {}
extension Dictionary: StringKeyedDictionary where Key == String {}
