/// Text as SVG (XML 1.0) carries it: `&`, `<`, `>`, `"` and `'` escaped, and the characters
/// XML 1.0 does not allow at all (control characters other than tab, newline and carriage
/// return; U+FFFE, U+FFFF) replaced by U+FFFD, so that no title from the wire can break the
/// document or add markup to it.
enum SVGText {
    static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\t", "\n", "\r": result += " "
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                result.unicodeScalars.append("\u{FFFD}")
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// At most `limit` characters, the last of a longer text being "…".
    static func cut(_ text: String, _ limit: Int) -> String {
        text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }
}
