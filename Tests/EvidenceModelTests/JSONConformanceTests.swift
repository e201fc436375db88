import Foundation
import SyntheticData
import Testing
@testable import EvidenceModel

/// RFC 8259 conformance of `JSONParser`, and agreement with Foundation's JSONSerialization.
/// Deliberate differences, each stricter than the RFC allows a parser to be: duplicate keys
/// are refused (RFC: "SHOULD be unique"; JSONSerialization keeps the last), nesting stops at
/// 64 levels, and numbers beyond a double's range are refused, as JSONSerialization does.
@Suite("JSON parser: RFC 8259 conformance and a differential test against JSONSerialization")
struct JSONConformanceTests {
    @Test("Accepts every form RFC 8259 allows", arguments: [
        ("[]", .array([])),
        ("{}", .object([])),
        (" \t\n\r[ 1 , 2 ]\n", [1, 2]),
        ("0", 0), ("-0", 0), ("0.0", 0.0), ("-0.5", -0.5), ("1E+2", 100.0), ("1e-2", 0.01), ("-1.5e3", -1500.0),
        ("123456789012345678", .number(.integer(123_456_789_012_345_678))),
        ("9223372036854775807", .number(.integer(Int64.max))),
        ("-9223372036854775808", .number(.integer(Int64.min))),
        ("9223372036854775808", .number(.double(9_223_372_036_854_775_808))),
        ("1e19", .number(.double(1e19))),
        ("1.7976931348623157e308", .number(.double(1.7976931348623157e308))),
        ("5e-324", .number(.double(.leastNonzeroMagnitude))),
        ("true", true), ("false", false), ("null", nil),
        (#""""#, ""),
        (#""\u0000""#, "\u{0}"),
        (#""\/\\\"\b\f\n\r\t""#, "/\\\"\u{8}\u{C}\n\r\t"),
        (#""\uD834\uDD1E""#, "𝄞"),
        (#""\u00e9t\u00C9""#, "étÉ"),
        ("\"é𝄞\u{7F}\"", "é𝄞\u{7F}"),
        (#"{"a":{"b":[{"c":null}]}}"#, ["a": ["b": [["c": nil]]]]),
    ] as [(String, JSONValue)])
    func accepts(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test("Integers stay exact; a fraction or exponent makes a double", arguments: [
        ("9007199254740993", JSONNumber.integer(9_007_199_254_740_993)),
        ("2", .integer(2)), ("2.0", .double(2)), ("2e0", .double(2)),
    ])
    func integerness(text: String, expected: JSONNumber) throws {
        guard case .number(let number) = try JSONParser.parse(text) else { Issue.record("not a number"); return }
        switch (number, expected) {
        case let (.integer(a), .integer(b)): #expect(a == b)
        case let (.double(a), .double(b)): #expect(a == b)
        default: Issue.record("\(text) parsed as \(number), expected \(expected)")
        }
    }

    @Test("Whole-number conversion is exact or refused, never a trap")
    func exactConversion() {
        #expect(JSONNumber.integer(Int64.max).exactly(Int.self) == Int.max)
        #expect(JSONNumber.integer(300).exactly(UInt8.self) == nil)
        #expect(JSONNumber.double(1e19).exactly(Int64.self) == nil)
        #expect(JSONNumber.double(1e300).exactly(Int.self) == nil)
        #expect(JSONNumber.double(2.5).exactly(Int.self) == nil)
        #expect(JSONNumber.double(-0.0).exactly(Int.self) == 0)
        #expect(JSONNumber.double(9_007_199_254_740_992).exactly(Int64.self) == 9_007_199_254_740_992)
        #expect(JSONNumber.double(18_014_398_509_481_984).exactly(Int64.self) == nil, "beyond 2^53 a double is not a count")
        #expect(JSONNumber.integer(1) == JSONNumber.double(1.0))
    }

    @Test("Refuses what RFC 8259 does not allow, and what this parser refuses on purpose", arguments: [
        "", " ", "[1,]", #"{"a":1,}"#, "[01]", "[1.]", "[.5]", "[+1]", "[1e]", "[1e+]", "[-]", "[- 1]", "[0x10]",
        "[NaN]", "[Infinity]", "[-Infinity]", "['a']", "{a:1}", #"{"a" 1}"#, "[1 2]", "[true false]", "tru", "nulll",
        #"["\x"]"#, #"["\u12"]"#, #"["\u12G4"]"#, #"["\uDC00"]"#, #"["\uD800"]"#, #"["\uD800\u0041"]"#,
        "[\"a\tb\"]", "[\"a\nb\"]", "[", "[1", #"{"a""#, #"{"a":"#, #""abc"#, "[1]]", "{}{}", "[1e999]", "[-1e999]",
        #"{"a":1,"a":2}"#, String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
    ])
    func refuses(text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
    }

    @Test("Refuses invalid UTF-8: stray continuation bytes, overlong forms, encoded surrogates, truncated sequences", arguments: [
        [0x22, 0x80, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22],
        [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], [0x22, 0xFF, 0x22],
    ] as [[UInt8]])
    func refusesInvalidUTF8(bytes: [UInt8]) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Data(bytes)) }
    }

    @Test("A body with 200 000 distinct keys parses in linear time", .timeLimit(.minutes(1)))
    func manyKeys() throws {
        var text = "{"
        for index in 0..<200_000 { text += (index == 0 ? "" : ",") + "\"k\(index)\":\(index)" }
        text += "}"
        guard case .object(let members) = try JSONParser.parse(text) else { Issue.record("not an object"); return }
        #expect(members.count == 200_000)
        let duplicate = text.dropLast() + #","k199999":0}"#
        let error = #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(String(duplicate)) }
        #expect(error?.message == #"duplicate key "k199999""#)
    }

    @Test("Generated documents: the parser agrees with JSONSerialization, and writing then parsing gives the same value")
    func differential() throws {
        var random = SeededGenerator(seed: 0x1DB_2026)
        for _ in 0..<2000 {
            let text = Generator.document(&random)
            let ours = try JSONParser.parse(text)
            let foundation = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
            #expect(Self.same(ours, foundation), "\(text)")
            #expect(try JSONParser.parse(JSONWriter.data(ours)) == ours)
        }
    }

    @Test("Mutated documents: whatever this parser accepts, JSONSerialization accepts as the same value")
    func mutations() throws {
        var random = SeededGenerator(seed: 0xBAD_5EED)
        var accepted = 0, refused = 0
        for _ in 0..<3000 {
            var bytes = Array(Generator.document(&random).utf8)
            Generator.mutate(&bytes, &random)
            let data = Data(bytes)
            guard let ours = try? JSONParser.parse(data) else { refused += 1; continue }
            accepted += 1
            let foundation = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            #expect(foundation.map { Self.same(ours, $0) } == true, "\(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(accepted > 100 && refused > 100, "the mutations exercise both sides: \(accepted) accepted, \(refused) refused")
    }

    /// Whether a Foundation JSON object is the same document as a `JSONValue`.
    static func same(_ value: JSONValue, _ object: Any) -> Bool {
        switch value {
        case .null: return object is NSNull
        case .bool(let flag):
            guard let number = object as? NSNumber, String(cString: number.objCType) == "c" else { return false }
            return number.boolValue == flag
        case .number(let number):
            guard let other = object as? NSNumber, String(cString: other.objCType) != "c" else { return false }
            if case .integer(let integer) = number, String(cString: other.objCType) != "d" { return other.int64Value == integer }
            // Foundation reads integers beyond 64 bits as decimals, whose conversion to double may be off in the last digit.
            if other is NSDecimalNumber { return abs(other.doubleValue - number.double) <= abs(number.double) * 1e-15 }
            return other.doubleValue == number.double
        case .string(let text): return (object as? String) == text
        case .array(let elements):
            guard let others = object as? [Any], others.count == elements.count else { return false }
            return zip(elements, others).allSatisfy { same($0, $1) }
        case .object(let members):
            guard let others = object as? [String: Any], others.count == members.count else { return false }
            return members.allSatisfy { member in others[member.key].map { same(member.value, $0) } ?? false }
        }
    }
}

/// Random JSON text: every value type, numbers in every notation, strings with escapes,
/// surrogate pairs and non-ASCII characters, whitespace where the grammar allows it.
private enum Generator {
    static func document(_ random: inout SeededGenerator) -> String {
        value(&random, depth: 0)
    }

    static func value(_ random: inout SeededGenerator, depth: Int) -> String {
        let pick = depth > 5 ? random.next(below: 4) : random.next(below: 6)
        switch pick {
        case 0: return ["true", "false", "null"][random.next(below: 3)]
        case 1: return number(&random)
        case 2, 3: return string(&random)
        case 4:
            let count = random.next(below: 5)
            return "[" + (0..<count).map { _ in space(&random) + value(&random, depth: depth + 1) + space(&random) }
                .joined(separator: ",") + "]"
        default:
            let count = random.next(below: 5)
            let keys = Set((0..<count).map { _ in string(&random) })
            return "{" + keys.map { key in space(&random) + key + space(&random) + ":" + value(&random, depth: depth + 1) }
                .joined(separator: ",") + space(&random) + "}"
        }
    }

    static func number(_ random: inout SeededGenerator) -> String {
        let sign = random.next(below: 3) == 0 ? "-" : ""
        let integer = random.next(below: 4) == 0 ? "0" : String(random.next(below: 1_000_000_000) + 1)
        switch random.next(below: 5) {
        case 0: return sign + integer
        case 1: return sign + integer + "." + String(random.next(below: 100_000))
        case 2: return sign + integer + ["e", "E"][random.next(below: 2)] + ["", "+", "-"][random.next(below: 3)] + String(random.next(below: 300))
        case 3: return sign + String(UInt64.random(in: 0...UInt64.max, using: &random))
        default: return sign + integer + "." + String(random.next(below: 1000)) + "e-" + String(random.next(below: 20))
        }
    }

    static func string(_ random: inout SeededGenerator) -> String {
        var text = "\""
        for _ in 0..<random.next(below: 12) {
            switch random.next(below: 8) {
            case 0: text += ["\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"][random.next(below: 8)]
            case 1: text += String(format: "\\u%04x", random.next(below: 0xD800))
            case 2: text += String(format: "\\uD83D\\u%04X", 0xDC00 + random.next(below: 0x400))
            case 3: text += ["é", "ß", "中", "😀", "\u{7F}", "\u{2028}"][random.next(below: 6)]
            default: text += String(UnicodeScalar(UInt8(0x20 + random.next(below: 0x5E))))
                .replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            }
        }
        return text + "\""
    }

    static func space(_ random: inout SeededGenerator) -> String {
        ["", "", " ", "\n", "\t ", "\r\n"][random.next(below: 6)]
    }

    /// Deletes, inserts or replaces one byte, or cuts the text short.
    static func mutate(_ bytes: inout [UInt8], _ random: inout SeededGenerator) {
        guard !bytes.isEmpty else { return }
        let position = random.next(below: bytes.count)
        let interesting: [UInt8] = Array("{}[],:\"\\0123456789.eE+-tfnu \n".utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xFF]
        switch random.next(below: 4) {
        case 0: bytes.remove(at: position)
        case 1: bytes.insert(interesting[random.next(below: interesting.count)], at: position)
        case 2: bytes[position] = interesting[random.next(below: interesting.count)]
        default: bytes.removeLast(bytes.count - position)
        }
    }
}
