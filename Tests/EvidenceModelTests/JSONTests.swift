import Foundation
import Testing
@testable import EvidenceModel

@Suite("JSON parser and writer")
struct JSONTests {
    @Test("Parses every JSON type, escapes and surrogate pairs")
    func parsesDocument() throws {
        let text = #"{"a":[1,-2.5,3e2,true,false,null],"s":"x\"\\\/\n\u00e9\ud83d\ude00","o":{}}"#
        let value = try JSONParser.parse(text)
        #expect(value["a"] == [1, -2.5, 300, true, false, nil])
        #expect(value["s"] == "x\"\\/\né😀")
        #expect(value["o"] == .object([]))
    }

    @Test("Skips a UTF-8 byte order mark")
    func byteOrderMark() throws {
        let data = Data([0xEF, 0xBB, 0xBF]) + Data(#"{"k":1}"#.utf8)
        #expect(try JSONParser.parse(data)["k"] == 1)
    }

    @Test("Rejects malformed input with a reason and a line and column", arguments: [
        ("{\"a\":1,}", "expected a quoted key", 1, 8),
        ("[01]", "leading zero in a number", 1, 3),
        ("{\"a\":\"x\ny\"}", "control character 0x0A in a string", 1, 8),
        ("{\"a\":\"open", "unterminated string", 1, 6),
        ("{\"a\":1,\n \"a\":2}", "duplicate key \"a\"", 2, 2),
        ("{} x", "unexpected text after the JSON value", 1, 4),
        ("", "empty document", 1, 1),
        ("[\"\\ud800\"]", "unpaired surrogate", 1, 9),
        ("{\"a\" 1}", "expected ':' after a key, found '1'", 1, 6),
        ("nul", "unexpected character 'n'", 1, 1),
    ])
    func rejects(text: String, message: String, line: Int, column: Int) {
        let error = #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
        #expect(error?.message == message)
        #expect(error?.line == line)
        #expect(error?.column == column)
    }

    @Test("Rejects invalid UTF-8 and excessive nesting")
    func rejectsHostileInput() {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Data([0x22, 0xC3, 0x28, 0x22])) }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        let error = #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(deep) }
        #expect(error?.message == "nested deeper than 64 levels")
    }

    @Test("Writes compactly, keeps member order, leaves / unescaped, integers without fraction")
    func writes() throws {
        let value: JSONValue = ["doi": "10.1007/s10620-011-1653-7", "n": 17, "x": 0.016, "t": "a\"b\n"]
        let text = JSONWriter.string(value)
        #expect(text == #"{"doi":"10.1007/s10620-011-1653-7","n":17,"x":0.016,"t":"a\"b\n"}"#)
        #expect(try JSONParser.parse(text) == value)
    }

    @Test("Escapes exactly what JSON requires, wherever it stands in a string", arguments: [
        ("plain text, no escape", #""plain text, no escape""#),
        ("\"", #""\"""#),
        ("a\\b/c", #""a\\b/c""#),
        ("\n\r\t", #""\n\r\t""#),
        ("\u{01}x\u{1F}", #""\u0001x\u001f""#),
        ("end\"", #""end\"""#),
        ("\"start", #""\"start""#),
        ("café ’ 😀", #""café ’ 😀""#),
        ("", #""""#),
    ])
    func escapes(text: String, written: String) throws {
        let json = JSONWriter.string(.string(text))
        #expect(json == written)
        #expect(try JSONParser.parse(json) == .string(text))
    }

    @Test("JSONValue survives Foundation's JSONEncoder and JSONDecoder")
    func codable() throws {
        let value: JSONValue = ["list": [1, "two", nil, ["k": false]]]
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
    }
}
