import Foundation

/// Values both tagged formats carry in free text: years in dates, DOIs, trial ids.
enum BibliographicValue {
    /// The first run of exactly four digits: "2011///", "2011/07/01/", "2011 Jul", "Jul-Aug 2011".
    static func year(in text: String) -> Int? {
        digitRuns(in: text).first { $0.count == 4 }.flatMap { Int($0) }
    }

    /// The first "NCT" followed by exactly eight digits, standing on its own
    /// ("ClinicalTrials.gov/NCT00568555", "registered as NCT04270877.").
    static func nctID(in text: String) -> String? {
        // On the UTF-8 bytes: the id is ASCII, and this runs over every field of every record.
        let bytes = Array(text.utf8)
        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        func isLetterOrDigit(_ byte: UInt8) -> Bool { isDigit(byte) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte >= 0x80 }
        var start = 0
        while start + 11 <= bytes.count {
            defer { start += 1 }
            guard bytes[start] == 0x4E, bytes[start + 1] == 0x43, bytes[start + 2] == 0x54 else { continue }  // "NCT"
            let digits = bytes[(start + 3)..<(start + 11)]
            guard digits.allSatisfy(isDigit) else { continue }
            let before = start > 0 ? bytes[start - 1] : nil
            let after = start + 11 < bytes.count ? bytes[start + 11] : nil
            if before.map(isLetterOrDigit) != true, after.map(isDigit) != true {
                return "NCT" + String(decoding: digits, as: UTF8.self)
            }
        }
        return nil
    }

    /// A DOI written bare, as "doi:10.…" or as a doi.org link (percent-escapes undone);
    /// nil when what remains does not start with "10.".
    static func doi(in text: String) -> String? {
        var value = text.trimmedEdges
        if let fromLink = doiFromLink(value) {
            value = fromLink
        } else if value.lowercased().hasPrefix("doi:") {
            value = value.dropFirst(4).trimmedEdges
        }
        return value.hasPrefix("10.") && value.count > 3 ? value : nil
    }

    /// The DOI in a doi.org or dx.doi.org link.
    static func doiFromLink(_ text: String) -> String? {
        guard let url = URL(string: text.trimmedEdges),
              let host = url.host?.lowercased(), host == "doi.org" || host == "dx.doi.org"
        else { return nil }
        let path = url.path.drop { $0 == "/" }
        let doi = String(path).removingPercentEncoding ?? String(path)
        return doi.hasPrefix("10.") ? doi : nil
    }

    /// The PMID in a PubMed link: pubmed.ncbi.nlm.nih.gov/<pmid> or www.ncbi.nlm.nih.gov/pubmed/<pmid>.
    static func pubMedID(fromLink text: String) -> String? {
        guard let url = URL(string: text.trimmedEdges),
              let host = url.host?.lowercased() else { return nil }
        let parts = url.path.split(separator: "/")
        let candidate: Substring?
        switch host {
        case "pubmed.ncbi.nlm.nih.gov": candidate = parts.first
        case "www.ncbi.nlm.nih.gov", "ncbi.nlm.nih.gov": candidate = parts.count >= 2 && parts[0] == "pubmed" ? parts[1] : nil
        default: candidate = nil
        }
        return candidate.flatMap { isPubMedID($0) ? String($0) : nil }
    }

    /// PMIDs are positive integers written in ASCII digits.
    static func isPubMedID(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.allSatisfy(\.isASCIIDigit) && text.contains { $0 != "0" }
    }

    /// The values in their first order, each once: MeSH "Naltrexone/therapeutic use" and
    /// "Naltrexone/*administration & dosage" both give the subject "Naltrexone".
    static func distinct(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }

    private static func digitRuns(in text: String) -> [Substring] {
        text.split { !$0.isASCIIDigit }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
    fileprivate var isLetterOrDigit: Bool { isLetter || isNumber }
}

extension StringProtocol {
    /// Without leading and trailing whitespace. Many times quicker than Foundation's
    /// `trimmingCharacters(in:)` on long values such as abstracts.
    var trimmedEdges: String {
        if let trimmed = asciiTrimmedEdges { return trimmed }
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map(index(after:)) ?? start
        return String(self[start..<end])
    }

    /// `trimmedEdges` decided on the UTF-8 bytes when both new edges are ASCII, without
    /// Character's Unicode tables (this runs on every line of an import); nil when a
    /// non-ASCII byte meets an edge, where it may be Unicode whitespace or a mark joined to
    /// the space before it, and Characters must decide.
    private var asciiTrimmedEdges: String? {
        let bytes = utf8
        var start = bytes.startIndex
        while start < bytes.endIndex, bytes[start].isASCIIWhitespace { start = bytes.index(after: start) }
        guard start < bytes.endIndex else { return "" }
        guard bytes[start] < 0x80 else { return nil }
        // One pass forward (the view need not go backwards): the end is after the last byte
        // that is not ASCII whitespace.
        var last = start, index = start
        while index < bytes.endIndex {
            if !bytes[index].isASCIIWhitespace { last = index }
            index = bytes.index(after: index)
        }
        guard bytes[last] < 0x80 else { return nil }
        return String(self[start..<bytes.index(after: last)])
    }

    /// Whether every character is whitespace, decided on the bytes unless a non-ASCII one
    /// comes before any ASCII letter, digit or sign (which no whitespace character holds).
    var isAllWhitespace: Bool {
        for byte in utf8 {
            if byte >= 0x80 { return allSatisfy(\.isWhitespace) }
            if !byte.isASCIIWhitespace { return false }
        }
        return true
    }
}

extension UInt8 {
    /// Space, tab, line feed, vertical tab, form feed, carriage return: the ASCII characters
    /// `Character.isWhitespace` holds.
    var isASCIIWhitespace: Bool { self == 0x20 || (0x09...0x0D).contains(self) }
}
