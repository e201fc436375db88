import Foundation

/// Bytes to text the way bibliographic exports come: UTF-8 with or without a byte order
/// mark, UTF-16 with one (some databases export it), and as a last resort Latin-1 (ISO
/// 8859-1), which decodes any bytes — with a warning, since accented names may be wrong.
enum TextDecoding {
    struct Decoded {
        let text: String
        let warnings: [String]
    }

    static func decode(_ data: Data, file: String) throws(FormatError) -> Decoded {
        if data.starts(with: [0xEF, 0xBB, 0xBF]) {
            return try utf8(data.dropFirst(3), file: file, encoding: "UTF-8")
        }
        for (bom, encoding, name) in [([UInt8](arrayLiteral: 0xFF, 0xFE), String.Encoding.utf16LittleEndian, "UTF-16LE"),
                                      ([0xFE, 0xFF], .utf16BigEndian, "UTF-16BE")] where data.starts(with: bom) {
            guard let text = String(data: data.dropFirst(2), encoding: encoding) else {
                throw FormatError(file: file, message: "starts with a \(name) byte order mark but is not valid \(name) text")
            }
            return Decoded(text: text, warnings: [])
        }
        if let text = String(validating: data, as: UTF8.self) { return Decoded(text: text, warnings: []) }
        guard !data.contains(0) else {
            throw FormatError(file: file, line: firstInvalidLine(data), message: "is not text (it holds NUL bytes): UTF-16 without a byte order mark, or a binary file?")
        }
        let text = String(decoding: data.map { UInt16($0) }, as: UTF16.self)
        let line = firstInvalidLine(data).map { " (first at line \($0))" } ?? ""
        return Decoded(text: text, warnings: ["\(file): not UTF-8\(line); read as Latin-1 (ISO 8859-1) — check accented names, or re-export as UTF-8"])
    }

    private static func utf8(_ bytes: Data, file: String, encoding: String) throws(FormatError) -> Decoded {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw FormatError(file: file, line: firstInvalidLine(bytes), message: "starts with a \(encoding) byte order mark but is not valid \(encoding)")
        }
        return Decoded(text: text, warnings: [])
    }

    /// The line of the first byte sequence that is not UTF-8, for the message.
    static func firstInvalidLine(_ data: Data) -> Int? {
        var line = 1
        var start = data.startIndex
        while start < data.endIndex {
            let end = data[start...].firstIndex(of: 0x0A) ?? data.endIndex
            if String(validating: data[start..<end], as: UTF8.self) == nil { return line }
            line += 1
            start = end < data.endIndex ? data.index(after: end) : end
        }
        return nil
    }
}
