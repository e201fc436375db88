import Foundation

// What RIS and MEDLINE share: a file of lines where a tag opens a field and untagged
// lines continue it. Each reader decides what a tag looks like and where records end;
// this file numbers the lines, joins continuations, and keeps track of which fields a
// record used, so both readers report dropped fields the same way.

/// One line of a tagged file, numbered from 1 as an editor shows it.
struct TaggedLine {
    let number: Int
    let text: Substring

    var isBlank: Bool { text.isAllWhitespace }
}

enum TaggedLines {
    /// Splits on LF, CRLF or a lone CR (old Mac exports), after a byte-order mark that
    /// survived decoding. A final line end does not make an extra, empty last line.
    static func split(_ text: String) -> [TaggedLine] {
        var body = Substring(text)
        if body.first == "\u{FEFF}" { body = body.dropFirst() }
        let utf8 = body.utf8
        // Line ends found on the contiguous UTF-8 bytes (much quicker than Characters, or
        // than indexing the view, on a large export); each line is then sliced by its offset.
        let breaks = utf8.withContiguousStorageIfAvailable(lineBreaks) ?? Array(utf8).withUnsafeBufferPointer(lineBreaks)
        var lines: [TaggedLine] = []
        lines.reserveCapacity(breaks.count)
        var start = utf8.startIndex, offset = 0
        for lineBreak in breaks {
            let end = utf8.index(start, offsetBy: lineBreak.start - offset)
            lines.append(TaggedLine(number: lines.count + 1, text: body[start..<end]))
            start = utf8.index(end, offsetBy: lineBreak.width)
            offset = lineBreak.start + lineBreak.width
        }
        if start < utf8.endIndex { lines.append(TaggedLine(number: lines.count + 1, text: body[start...])) }
        return lines
    }

    /// Where each line break starts in `bytes`, and its width (2 for CRLF).
    private static func lineBreaks(_ bytes: UnsafeBufferPointer<UInt8>) -> [(start: Int, width: Int)] {
        var breaks: [(start: Int, width: Int)] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == 0x0A || byte == 0x0D else { index += 1; continue }
            let width = byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A ? 2 : 1
            breaks.append((index, width))
            index += width
        }
        return breaks
    }

    /// A record's text as in the file, its lines joined with "\n" whatever the file used.
    static func original(_ lines: ArraySlice<TaggedLine>) -> String {
        lines.map { String($0.text) }.joined(separator: "\n")
    }
}

extension Citation {
    /// A citation of the record on `lines`, before any of its fields is read: where it
    /// starts and its text as in the file.
    init(taggedLines lines: ArraySlice<TaggedLine>) {
        self.init()
        line = lines.first?.number
        original = TaggedLines.original(lines)
    }
}

/// A tag's value together with the untagged lines that continue it.
struct TaggedField {
    let tag: String
    /// The line of the tag itself.
    let line: Int
    /// Paragraphs of the value: a blank line inside a RIS field starts a new one.
    private(set) var paragraphs: [String]

    init(tag: String, line: Int, value: Substring) {
        self.tag = tag
        self.line = line
        paragraphs = [value.trimmedEdges]
    }

    /// Adds a continuation line, joined to the value with one space.
    mutating func append(_ continuation: Substring, startingParagraph: Bool = false) {
        let piece = continuation.trimmedEdges
        guard !piece.isEmpty else { return }
        if startingParagraph {
            paragraphs.append(piece)
        } else if let last = paragraphs.last, !last.isEmpty {
            paragraphs[paragraphs.count - 1] = last + " " + piece
        } else {
            paragraphs[paragraphs.count - 1] = piece
        }
    }

    /// The value on one line.
    var text: String { paragraphs.filter { !$0.isEmpty }.joined(separator: " ") }

    /// The value with its paragraph breaks kept as blank lines (abstracts).
    var paragraphText: String { paragraphs.filter { !$0.isEmpty }.joined(separator: "\n\n") }
}

/// What a reader makes of one field for one purpose.
enum FieldReading<Value> {
    case use(Value)
    /// The field is meant for this purpose but its value cannot serve; the reason is reported.
    case reject(String)
    /// The field has nothing for this purpose (a UR that is not a PubMed link, for a PMID).
    case skip
}

extension FieldReading {
    func map<Other>(_ transform: (Value) -> Other) -> FieldReading<Other> {
        switch self {
        case .use(let value): .use(transform(value))
        case .reject(let reason): .reject(reason)
        case .skip: .skip
        }
    }
}

extension FieldReading<String> {
    /// The value, unless the tag has nothing after it.
    static func nonEmpty(_ value: String) -> FieldReading<String> {
        value.isEmpty ? .reject("empty") : .use(value)
    }
}

/// A record's fields and which of them went into its citation. A field no purpose used
/// ends up in `dropped`, with the reason the reader gave or the format's reason for its tag.
struct TaggedRecord {
    let fields: [TaggedField]
    private var used: Set<Int> = []
    private var reasons: [Int: String] = [:]

    init(_ fields: [TaggedField]) {
        self.fields = fields
    }

    /// The first value the tags give, trying `tags` in order of preference (nil: every
    /// field, in file order) and each tag's fields in file order. Later candidates with
    /// the same value count as used; a different one is dropped as "<what> already taken
    /// from <tag>", since a citation keeps one.
    mutating func first<Value: Equatable>(
        _ tags: [String]?, as what: String, _ read: (TaggedField) -> FieldReading<Value>
    ) -> Value? {
        let candidates = tags.map { tags in tags.flatMap { tag in fields.indices.filter { fields[$0].tag == tag } } }
            ?? Array(fields.indices)
        var chosen: (value: Value, tag: String)?
        for index in candidates {
            switch read(fields[index]) {
            case .use(let value):
                if let chosen, chosen.value != value {
                    let reason = chosen.tag == fields[index].tag
                        ? "another \(what); the first is kept" : "\(what) already taken from \(chosen.tag)"
                    reject(index, reason)
                } else {
                    chosen = chosen ?? (value, fields[index].tag)
                    used.insert(index)
                }
            case .reject(let reason):
                reject(index, reason)
            case .skip:
                break
            }
        }
        return chosen?.value
    }

    /// Every value the tags give, in file order (authors, keywords, publication types).
    mutating func all<Value>(_ tags: Set<String>, _ read: (TaggedField) -> FieldReading<[Value]>) -> [Value] {
        var values: [Value] = []
        for index in fields.indices where tags.contains(fields[index].tag) {
            switch read(fields[index]) {
            case .use(let found):
                values += found
                used.insert(index)
            case .reject(let reason):
                reject(index, reason)
            case .skip:
                break
            }
        }
        return values
    }

    /// Drops every field of `tag` with `reason` (MEDLINE's FAU: the AU beside it is used).
    mutating func reject(_ tag: String, because reason: String) {
        for index in fields.indices where fields[index].tag == tag { reject(index, reason) }
    }

    /// The fields nothing used: one entry per tag, with the first reason given for it, or
    /// else "<meaning>: not part of an evidence record" with the format's name for the tag.
    func dropped(naming meanings: [String: String]) -> [DroppedField] {
        var dropped: [DroppedField] = []
        for index in fields.indices where !used.contains(index) {
            let tag = fields[index].tag
            guard !dropped.contains(where: { $0.tag == tag }) else { continue }
            let reason = reasons[index] ?? meanings[tag].map { "\($0): not part of an evidence record" }
                ?? "not part of an evidence record"
            dropped.append(DroppedField(tag: tag, reason: reason))
        }
        return dropped
    }

    private mutating func reject(_ index: Int, _ reason: String) {
        if reasons[index] == nil { reasons[index] = reason }
    }
}
