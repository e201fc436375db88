/// Text laid out for an 80-column terminal.
enum TextWrap {
    /// Words laid out in lines of at most `width`, the first after `indent`, the rest aligned under it.
    static func lines(_ text: String, width: Int, indent: String) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = lines.isEmpty ? indent : String(repeating: " ", count: indent.count)
            var lineHasWord = false
            for word in paragraph.split(separator: " ") {
                if lineHasWord && line.count + 1 + word.count > width {
                    lines.append(line)
                    line = String(repeating: " ", count: indent.count)
                    lineHasWord = false
                }
                line += (lineHasWord ? " " : "") + word
                lineHasWord = true
            }
            lines.append(line)
        }
        return lines
    }
}
