#if canImport(FoundationXML)
import FoundationXML
#endif
import Foundation

/// Reads PubMed XML as E-utilities `efetch` returns it (`db=pubmed&retmode=xml`): a
/// `<PubmedArticleSet>` of `<PubmedArticle>`s laid out by NLM's PubMed DTD (pubmed_250101.dtd).
///
/// Each `PubmedArticle` becomes one citation; `line` is the line of its start tag and
/// `original` its lines up to `</PubmedArticle>`. A `PubmedBookArticle` (an NCBI Bookshelf
/// chapter, not a study) is skipped. An empty `<PubmedArticleSet/>` is an empty file of studies.
///
/// The reader takes bytes so that the parser honours the file's encoding declaration. The DTD
/// is never fetched and no external entity is resolved; entities a file declares for itself
/// are not expanded either (FoundationXML on Linux does not register them).
public enum PubMedXMLReader {
    public static func read(_ data: Data) throws(BibliographicSyntaxError) -> [Citation] {
        let lines = PubMedXMLLines(data)
        let collector = PubMedXMLArticleCollector(lines: lines)
        // A stream, not `XMLParser(data:)`: that hands libxml2 the file as one chunk, and past
        // 10 MB libxml2 stops with "Huge input lookup" (error 1) — a year of efetch results is larger.
        let parser = XMLParser(stream: InputStream(data: data))
        parser.shouldResolveExternalEntities = false
        parser.externalEntityResolvingPolicy = .never
        parser.delegate = collector
        // The result of `parse()` is not consulted: on Linux it is `true` for a file that stops
        // mid-element, so the collector's own account of errors and open elements decides.
        _ = parser.parse()
        if let failure = collector.failure { throw failure }
        if collector.rootName == nil {
            throw BibliographicSyntaxError(line: nil, message: lines.isBlank ? "the file is empty" : "not PubMed XML: no XML element found")
        }
        if let unclosed = collector.openElements.last {
            throw BibliographicSyntaxError(line: lines.lastContentLine, message: truncated(inside: unclosed.name))
        }
        return collector.citations
    }

    static func truncated(inside element: String) -> String {
        "the XML ends inside <\(element)> — the file may be truncated"
    }

    /// What libxml2's error codes (`xmlParserErrors`) mean, for the ones a damaged export
    /// produces; FoundationXML passes on the code alone, without libxml2's message.
    static func describe(xmlError code: Int) -> String {
        switch code {
        case 1: "libxml2 stopped at one of its size limits"
        case 4: "no XML element found"
        case 5: "extra content at the end of the document"
        case 9: "a character that XML does not allow"
        case 23: "an entity reference without its closing ';'"
        case 24, 26: "an undeclared entity"
        case 32: "an encoding the parser does not support"
        case 33, 34: "a quoted value that is not closed"
        case 38, 39, 40, 41: "a malformed attribute"
        case 42: "an attribute given twice"
        case 64: "an XML declaration that is not at the start of the file"
        case 65: "a missing space"
        case 68: "a missing element name"
        case 73: "a tag without its closing '>'"
        case 76: "a closing tag that does not match the open element"
        case 77: "an element that is not closed"
        case 81: "bytes that are invalid in the declared encoding"
        default: "malformed XML (libxml2 error \(code))"
        }
    }
}

/// The file's lines, to give each article its `original` text and to tell an error at the
/// very end (a cut-off file) from one in the middle.
struct PubMedXMLLines {
    private let text: String
    /// Where each line starts. Found by UTF-8 byte, as libxml2 counts lines: by LF alone, and
    /// without breaking a large file into Swift `Character`s, which would cost more than parsing it.
    private let starts: [String.Index]
    /// The last line with anything but XML white space on it (1-based), 0 for a blank file.
    let lastContentLine: Int

    init(_ data: Data) {
        text = Self.decode(data)
        var starts = [text.startIndex], lastContentLine = 0
        let bytes = text.utf8
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            bytes.formIndex(after: &index)
            if byte == UInt8(ascii: "\n") {
                starts.append(index)
            } else if byte != UInt8(ascii: " "), byte != UInt8(ascii: "\t"), byte != UInt8(ascii: "\r") {
                lastContentLine = starts.count
            }
        }
        self.starts = starts
        self.lastContentLine = lastContentLine
    }

    var isBlank: Bool { lastContentLine == 0 }

    /// Lines `first` through `last` (1-based), joined with "\n" whatever the file used.
    func text(from first: Int, through last: Int) -> String {
        let lower = max(first, 1) - 1, upper = min(last, starts.count)
        guard lower < upper else { return "" }
        let end = upper < starts.count ? text.utf8.index(before: starts[upper]) : text.endIndex
        // Scalars, not Characters: the end sits between a CRLF pair, inside one Character.
        var lines = String(text.unicodeScalars[starts[lower]..<end])
        guard lines.utf8.contains(UInt8(ascii: "\r")) else { return lines }
        lines = lines.replacingOccurrences(of: "\r\n", with: "\n")
        return lines.last == "\r" ? String(lines.dropLast()) : lines
    }

    /// Text good enough to quote lines from: PubMed sends UTF-8. UTF-16 (with its mark) and
    /// single-byte files are decoded too, so that their lines still come out readable.
    private static func decode(_ data: Data) -> String {
        if data.starts(with: [0xFF, 0xFE]) || data.starts(with: [0xFE, 0xFF]) {
            return String(data: data, encoding: .utf16) ?? ""
        }
        var bytes = data[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return String(data: Data(bytes), encoding: .isoLatin1) ?? String(decoding: bytes, as: UTF8.self)
    }
}
