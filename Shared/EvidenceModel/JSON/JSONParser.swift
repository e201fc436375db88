import Foundation

/// Where and why a document is not valid JSON.
public struct JSONSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    /// Byte offset, and 1-based line and column, of the offending character.
    public let offset: Int
    public let line: Int
    public let column: Int

    public var description: String { "\(message) at line \(line), column \(column)" }
}

/// A strict RFC 8259 parser over UTF-8 bytes.
///
/// Written here rather than taken from Foundation because the intake path parses every
/// record: `JSONDecoder` costs about 19 µs for a nested 1 KB record and stops at the first
/// problem, while validation must report every problem with its field path.
public struct JSONParser {
    public static let maximumDepth = 64

    public static func parse(_ data: Data) throws(JSONSyntaxError) -> JSONValue {
        let result = data.withUnsafeBytes { bytes -> Result<JSONValue, JSONSyntaxError> in
            var cursor = Cursor(bytes: bytes)
            do throws(JSONSyntaxError) { return .success(try cursor.document()) } catch { return .failure(error) }
        }
        return try result.get()
    }

    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try parse(Data(text.utf8))
    }
}

private struct Cursor {
    let bytes: UnsafeRawBufferPointer
    var position = 0
    var depth = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func document() throws(JSONSyntaxError) -> JSONValue {
        skipWhitespace()
        if position < bytes.count, bytes[position] == 0xEF, position + 2 < bytes.count,
           bytes[position + 1] == 0xBB, bytes[position + 2] == 0xBF {
            position += 3  // a UTF-8 byte order mark, as some editors write
            skipWhitespace()
        }
        guard position < bytes.count else { throw error("empty document") }
        let value = try self.value()
        skipWhitespace()
        guard position == bytes.count else { throw error("unexpected text after the JSON value") }
        return value
    }

    mutating func value() throws(JSONSyntaxError) -> JSONValue {
        guard position < bytes.count else { throw error("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("unexpected character \(describe(bytes[position]))")
        }
    }

    mutating func object() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        position += 1
        var members: [(key: String, value: JSONValue)] = []
        // Duplicate keys: a linear scan while the object is small (records have a couple of
        // dozen members), a set beyond that, so that a hostile 100 000-key body stays linear.
        var seen: Set<String>?
        skipWhitespace()
        if peek(UInt8(ascii: "}")) { position += 1; depth -= 1; return .object(members) }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else { throw error("expected a quoted key") }
            let keyStart = position
            let key = try string()
            let duplicate: Bool
            if seen != nil {
                duplicate = !seen!.insert(key).inserted
            } else {
                duplicate = members.contains(where: { $0.key == key })
                if members.count == Self.linearKeyScanLimit { seen = Set(members.map(\.key) + [key]) }
            }
            if duplicate {
                position = keyStart
                throw error("duplicate key \"\(key.prefix(100))\"")
            }
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "expected ':' after a key")
            skipWhitespace()
            members.append((key, try value()))
            skipWhitespace()
            if peek(UInt8(ascii: ",")) { position += 1; continue }
            try expect(UInt8(ascii: "}"), "expected ',' or '}' in an object")
            depth -= 1
            return .object(members)
        }
    }

    static let linearKeyScanLimit = 16

    mutating func array() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek(UInt8(ascii: "]")) { position += 1; depth -= 1; return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try value())
            skipWhitespace()
            if peek(UInt8(ascii: ",")) { position += 1; continue }
            try expect(UInt8(ascii: "]"), "expected ',' or ']' in an array")
            depth -= 1
            return .array(elements)
        }
    }

    mutating func string() throws(JSONSyntaxError) -> String {
        let start = position
        position += 1
        let contentStart = position
        var highBits: UInt8 = 0
        // Fast path: no escapes, so the bytes between the quotes are the string.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeRawBufferPointer(rebasing: bytes[contentStart..<position])
                position += 1
                if highBits & 0x80 == 0 {
                    // ASCII is valid UTF-8 as it is: copy without validating.
                    return String(decoding: slice.assumingMemoryBound(to: UInt8.self), as: UTF8.self)
                }
                guard let text = String(validating: slice, as: UTF8.self) else {
                    position = start
                    throw error("string is not valid UTF-8")
                }
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("control character \(describe(byte)) in a string") }
            highBits |= byte
            position += 1
        }
        var utf8 = Array(bytes[contentStart..<position])
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    position = start
                    throw error("string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                position += 1
                try escape(into: &utf8)
            case ..<0x20:
                throw error("control character \(describe(byte)) in a string")
            default:
                utf8.append(byte)
                position += 1
            }
        }
        position = start
        throw error("unterminated string")
    }

    mutating func escape(into utf8: inout [UInt8]) throws(JSONSyntaxError) {
        guard position < bytes.count else { throw error("unterminated escape") }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                      bytes[position + 1] == UInt8(ascii: "u") else { throw error("unpaired surrogate") }
                position += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw error("unpaired surrogate")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
            utf8.append(contentsOf: UTF8.encode(unicode)!)
        default:
            position -= 1
            throw error("invalid escape \\\(describe(byte))")
        }
    }

    mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    mutating func number() throws(JSONSyntaxError) -> JSONNumber {
        let start = position
        if peek(UInt8(ascii: "-")) { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else { throw error("expected a digit") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) { throw error("leading zero in a number") }
        } else {
            skipDigits()
        }
        let integerEnd = position
        if peek(UInt8(ascii: ".")) {
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw error("expected a digit after '.'") }
            skipDigits()
        }
        let fractionEnd = position
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            position += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else { throw error("expected a digit in the exponent") }
            skipDigits()
        }
        let digits = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
        let negative = bytes[start] == UInt8(ascii: "-")
        if position == integerEnd {
            // Written as an integer: exact when it fits in 64 bits (18 digits always do).
            if integerEnd - start - (negative ? 1 : 0) <= 18 {
                var value: Int64 = 0
                for byte in digits where byte != UInt8(ascii: "-") { value = value * 10 + Int64(byte - 48) }
                return .integer(negative ? -value : value)
            }
            if let value = Int64(String(decoding: digits, as: UTF8.self)) { return .integer(value) }
        } else if position == fractionEnd, digits.count <= 16 {
            // A fraction with up to 15 significant digits: the integer and the power of ten
            // are both exact doubles, so one division gives the correctly rounded value, as
            // strtod would.
            var value = 0, fractionDigits = 0, inFraction = false
            for byte in digits {
                switch byte {
                case UInt8(ascii: "-"): break
                case UInt8(ascii: "."): inFraction = true
                default:
                    value = value * 10 + Int(byte - 48)
                    if inFraction { fractionDigits += 1 }
                }
            }
            let magnitude = Double(value) / Self.powersOfTen[fractionDigits]
            return .double(negative ? -magnitude : magnitude)
        }
        guard let value = Double(String(decoding: digits, as: UTF8.self)), value.isFinite else {
            position = start
            throw error("number out of range")
        }
        return .double(value)
    }

    static let powersOfTen: [Double] = (0...16).map { pow(10, Double($0)) }

    mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count,
              memcmp(bytes.baseAddress! + position, word.utf8Start, count) == 0 else {
            throw error("unexpected character \(describe(bytes[position]))")
        }
        position += count
    }

    mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        guard depth <= JSONParser.maximumDepth else {
            throw error("nested deeper than \(JSONParser.maximumDepth) levels")
        }
    }

    mutating func expect(_ byte: UInt8, _ message: String) throws(JSONSyntaxError) {
        guard peek(byte) else {
            throw error(position < bytes.count ? "\(message), found \(describe(bytes[position]))" : "unexpected end of input")
        }
        position += 1
    }

    func peek(_ byte: UInt8) -> Bool { position < bytes.count && bytes[position] == byte }

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    mutating func skipDigits() {
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    func describe(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : String(format: "0x%02X", byte)
    }

    func error(_ message: String) -> JSONSyntaxError {
        var line = 1
        var lineStart = 0
        for index in 0..<min(position, bytes.count) where bytes[index] == 0x0A {
            line += 1
            lineStart = index + 1
        }
        return JSONSyntaxError(message: message, offset: position, line: line, column: position - lineStart + 1)
    }
}
