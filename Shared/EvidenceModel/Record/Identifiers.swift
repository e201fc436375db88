/// The identifiers a study is known by. All optional; each is validated when present.
public struct Identifiers: Sendable, Hashable {
    /// Digital Object Identifier, lower-cased, without a resolver prefix: `10.1007/s10620-011-1653-7`.
    public var doi: String?
    /// PubMed identifier: digits only.
    public var pmid: String?
    /// ClinicalTrials.gov registration: `NCT` and eight digits.
    public var nct: String?

    public init(doi: String? = nil, pmid: String? = nil, nct: String? = nil) {
        self.doi = doi
        self.pmid = pmid
        self.nct = nct
    }

    public var isEmpty: Bool { doi == nil && pmid == nil && nct == nil }

    /// `https://doi.org/10.1000/X`, `doi:10.1000/x` and ` 10.1000/X ` all become `10.1000/x`
    /// (DOIs are case-insensitive).
    public static func normalizeDOI(_ text: String) -> String {
        var doi = text.trimmingWhitespace().lowercased()
        for prefix in ["https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/",
                       "doi.org/", "doi:", "doi "] where doi.hasPrefix(prefix) {
            doi.removeFirst(prefix.count)
            doi = doi.trimmingWhitespace()
        }
        return doi
    }

    public static func normalizePMID(_ text: String) -> String {
        var pmid = text.trimmingWhitespace()
        if pmid.lowercased().hasPrefix("pmid:") { pmid = String(pmid.dropFirst(5)).trimmingWhitespace() }
        return pmid
    }

    public static func normalizeNCT(_ text: String) -> String {
        text.trimmingWhitespace().uppercased()
    }

    /// `10.` + a registrant code of 4–9 digits (dot-separated parts allowed) + `/` + a suffix.
    public static func isValidDOI(_ doi: String) -> Bool {
        let utf8 = Array(doi.utf8)
        guard utf8.count <= 300, doi.hasPrefix("10."), let slash = utf8.firstIndex(of: UInt8(ascii: "/")) else {
            return false
        }
        let registrant = utf8[3..<slash]
        let firstPart = registrant.prefix { $0 != UInt8(ascii: ".") }
        guard (4...9).contains(firstPart.count),
              registrant.allSatisfy({ $0 == UInt8(ascii: ".") || (48...57).contains($0) }) else { return false }
        let suffix = utf8[(slash + 1)...]
        return !suffix.isEmpty && !suffix.contains(where: { $0 <= 0x20 })
    }

    public static func isValidPMID(_ pmid: String) -> Bool {
        (1...9).contains(pmid.utf8.count) && pmid.utf8.allSatisfy { (48...57).contains($0) } && !pmid.hasPrefix("0")
    }

    public static func isValidNCT(_ nct: String) -> Bool {
        let utf8 = Array(nct.utf8)
        return utf8.count == 11 && nct.hasPrefix("NCT") && utf8[3...].allSatisfy { (48...57).contains($0) }
    }
}

extension String {
    /// Leading and trailing whitespace removed, inner runs of whitespace made one space.
    public func trimmingWhitespace() -> String {
        // Fast path, taken by almost every field: printable ASCII with single inner spaces,
        // checked over the contiguous bytes (a native string's) rather than through the view.
        let tidy = utf8.withContiguousStorageIfAvailable(Self.isTidyASCII) ?? Self.isTidyASCII(utf8)
        if tidy { return self }
        return split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Printable ASCII, not empty, without leading, trailing or doubled spaces.
    private static func isTidyASCII(_ bytes: some Sequence<UInt8>) -> Bool {
        var previousWasSpace = true  // a leading space is untidy
        for byte in bytes {
            if byte == 0x20 {
                if previousWasSpace { return false }
                previousWasSpace = true
            } else if byte < 0x20 || byte >= 0x7F {
                return false
            } else {
                previousWasSpace = false
            }
        }
        return !previousWasSpace
    }

    /// Leading and trailing whitespace (and line breaks) removed; the inside kept as it is.
    public func trimmingEnds() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        if first == scalars.startIndex && last == scalars.index(before: scalars.endIndex) { return self }
        return String(scalars[first...last])
    }
}
