import Foundation

extension String {
    /// Text reduced for matching: lower case, accents and apostrophes removed, every other
    /// run of non-alphanumerics one space. "Crohn’s  Disease" and "crohns disease" fold alike.
    public var folded: String {
        if let ascii = asciiFolded { return ascii }
        let plain = folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
        var out = ""
        out.reserveCapacity(plain.utf8.count)
        var pendingSpace = false
        for scalar in plain.unicodeScalars {
            if scalar == "'" || scalar == "\u{2019}" || scalar == "\u{02BC}" || scalar == "`" { continue }
            if CharacterSet.alphanumerics.contains(scalar) {
                if pendingSpace && !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.unicodeScalars.append(scalar)
            } else {
                pendingSpace = true
            }
        }
        return out
    }
}

extension String {
    /// `folded` for ASCII text, without Foundation's Unicode folding; nil for other text.
    var asciiFolded: String? {
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var pendingSpace = false
        for byte in utf8 {
            switch byte {
            case 0x80...: return nil
            case UInt8(ascii: "'"), UInt8(ascii: "`"): continue
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                if pendingSpace && !out.isEmpty { out.append(0x20) }
                pendingSpace = false
                out.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                if pendingSpace && !out.isEmpty { out.append(0x20) }
                pendingSpace = false
                out.append(byte + 32)
            default:
                pendingSpace = true
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    /// The apostrophes `folded` drops: ' ’ ʼ `.
    static let apostrophes: Set<Character> = ["'", "\u{2019}", "\u{02BC}", "`"]

    /// The text with the apostrophes `folded` drops removed, and nothing else changed.
    public var withoutApostrophes: String {
        contains(where: String.apostrophes.contains) ? String(filter { !String.apostrophes.contains($0) }) : self
    }

    /// Whether this folded text contains `phrase` (folded) as whole words.
    func containsWords(_ phrase: String) -> Bool {
        // On the UTF-8 bytes, not through Foundation's `range(of:)`: it runs for every vocabulary
        // phrase on every subject of every imported record. Folded text has no combining marks
        // and separates words by single spaces, so comparing bytes finds what comparing
        // characters would, and a match of a whole phrase always starts on a character.
        var text = self, phrase = phrase
        return text.withUTF8 { text in phrase.withUTF8 { phrase in Self.containsWords(phrase, in: text) } }
    }

    private static func containsWords(_ phrase: UnsafeBufferPointer<UInt8>, in text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !phrase.isEmpty, phrase.count <= text.count else { return false }
        let space = UInt8(ascii: " ")
        for start in 0...(text.count - phrase.count) where text[start] == phrase[0] {
            let end = start + phrase.count
            guard start == 0 || text[start - 1] == space, end == text.count || text[end] == space else { continue }
            if memcmp(text.baseAddress! + start, phrase.baseAddress!, phrase.count) == 0 { return true }
        }
        return false
    }
}

/// Edit distance, for "did you mean" suggestions.
func levenshtein(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// The candidates closest to `text`, best first: those within a third of its length in edits,
/// or that start with it.
public func suggestions(for text: String, among candidates: [String], limit: Int = 3) -> [String] {
    let key = text.folded
    guard !key.isEmpty else { return [] }
    let scored = candidates.map { candidate -> (String, Int) in
        let folded = candidate.folded
        return (candidate, folded.hasPrefix(key) ? 0 : levenshtein(key, folded))
    }
    let allowed = max(2, key.count / 3)
    return scored.filter { $0.1 <= allowed }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(limit).map(\.0)
}
