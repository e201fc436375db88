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
                    let array = UnsafeRawBufferPointer(rebasing: bytes[open...index])
                    if let codes = plainStrings(array) { return codes }
                    let slice = Data(array)
                    return (try? JSONParser.parse(slice))?.arrayValue?.compactMap(\.stringValue) ?? []
                }
                index += 1
            }
            return []
        }
    }

    /// `["a","b"]` exactly (compact, no escapes, valid UTF-8) as its strings; nil for anything
    /// else, which the parser then reads. Condition codes are almost always plain.
    private static func plainStrings(_ array: UnsafeRawBufferPointer) -> [String]? {
        guard array.count >= 2, array[0] == UInt8(ascii: "["), array[array.count - 1] == UInt8(ascii: "]") else { return nil }
        var strings: [String] = []
        var index = 1
        if array.count == 2 { return strings }
        while true {
            guard index < array.count, array[index] == UInt8(ascii: "\"") else { return nil }
            let start = index + 1
            var end = start
            while end < array.count, array[end] != UInt8(ascii: "\""), array[end] != UInt8(ascii: "\\"), array[end] >= 0x20 { end += 1 }
            guard end < array.count, array[end] == UInt8(ascii: "\""),
                  let text = String(validating: UnsafeRawBufferPointer(rebasing: array[start..<end]), as: UTF8.self) else { return nil }
            strings.append(text)
            index = end + 1
            guard index < array.count else { return nil }
            if array[index] == UInt8(ascii: "]") { return index == array.count - 1 ? strings : nil }
            guard array[index] == UInt8(ascii: ",") else { return nil }
            index += 1
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
