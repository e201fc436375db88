import Testing
@testable import EvidenceFormats

/// The byte-level shortcuts of the tagged-file readers must say exactly what the Character
/// definitions they replace say, whatever the text.
@Suite struct TextEdgesTests {
    /// The definitions on Characters, as they were before the shortcuts.
    static func characterTrimmed(_ text: Substring) -> String {
        let start = text.firstIndex { !$0.isWhitespace } ?? text.endIndex
        let end = text.lastIndex { !$0.isWhitespace }.map(text.index(after:)) ?? start
        return String(text[start..<end])
    }

    static let pieces = [" ", "\t", "\r\n", "\n", "\u{0B}", "\u{0C}", "\u{A0}", "\u{2003}", "\u{3000}", "\u{85}",
                         "\u{301}", "a", "Z", "9", "-", "é", "e\u{301}", "漢", "👍🏽", "\u{200D}", "\u{0600}", "x y"]

    @Test func trimmingAgreesWithCharactersOnEveryCombination() {
        var checked = 0
        for first in Self.pieces {
            for second in Self.pieces {
                for third in Self.pieces {
                    let text = Substring(first + second + third)
                    #expect(text.trimmedEdges == Self.characterTrimmed(text), "\(Array(text.unicodeScalars))")
                    #expect(text.isAllWhitespace == text.allSatisfy(\.isWhitespace), "\(Array(text.unicodeScalars))")
                    checked += 1
                }
            }
        }
        #expect(checked == Self.pieces.count * Self.pieces.count * Self.pieces.count)
    }

    @Test func trimsAsciiAndUnicodeEdges() {
        #expect("  Low dose naltrexone\r".trimmedEdges == "Low dose naltrexone")
        #expect("\u{A0}Fibromyalgia\u{2003}".trimmedEdges == "Fibromyalgia")
        #expect(" \u{301}x ".trimmedEdges == Self.characterTrimmed(" \u{301}x "))
        #expect(" \t ".trimmedEdges == "")
        #expect("".trimmedEdges == "")
        #expect(TaggedLine(number: 1, text: " \u{A0}\t").isBlank)
        #expect(!TaggedLine(number: 1, text: "      continued").isBlank)
    }
}
