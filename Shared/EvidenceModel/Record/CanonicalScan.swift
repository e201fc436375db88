import Foundation

extension EvidenceRecord {
    /// The condition codes of a record in its canonical JSON form (`jsonData`), read without
    /// parsing the whole record: the store routes every change to per-condition topics and
    /// must not pay a full parse per record for it. Returns [] when the bytes are not canonical.
    public static func conditionCodes(inCanonical json: Data) -> [String] {
        let marker = Array(#""conditions":["#.utf8)
        return json.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> [String] in
            // Strings in canonical JSON escape every quote, so the first raw occurrence of the
            // marker is the member itself, never text inside a title or summary.
            guard let markerEnd = find(marker, in: bytes) else { return [] }
            let open = markerEnd - 1  // at '['
            var index = open
            var inString = false, escaped = false
            while index < bytes.count {
                let byte = bytes[index]
                if inString {
                    if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true }
                    else if byte == UInt8(ascii: "\"") { inString = false }
                } else if byte == UInt8(ascii: "\"") {
                    inString = true
                } else if byte == UInt8(ascii: "]") {
                    let slice = Data(bytes[open...index])
                    return (try? JSONParser.parse(slice))?.arrayValue?.compactMap(\.stringValue) ?? []
                }
                index += 1
            }
            return []
        }
    }

    /// The index just past the first occurrence of `needle` in `haystack`.
    private static func find(_ needle: [UInt8], in haystack: UnsafeRawBufferPointer) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == first, needle.indices.allSatisfy({ haystack[index + $0] == needle[$0] }) {
                return index + needle.count
            }
            index += 1
        }
        return nil
    }
}
