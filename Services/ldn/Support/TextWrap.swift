/// Words laid out in lines of at most `width`, the first after `indent`, the rest aligned
/// under it: the terminal views keep to 80 columns.
func wrap(_ text: String, width: Int = 80, indent: String) -> [String] {
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
