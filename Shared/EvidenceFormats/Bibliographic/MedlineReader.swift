import Foundation

/// Reads the MEDLINE display format PubMed exports as .nbib: each line is a tag of up to
/// four characters padded to four, then "- " ("PMID- ", "TI  - "); a line indented with
/// spaces (PubMed uses six) continues the field above it; records start with PMID and
/// are separated by blank lines.
///
/// What becomes of each tag:
/// - `PMID` → `pmid`; `TI` → `title`; `AB` → `abstract`; `AU` → `authors` ("Smith JP"; `FAU` is dropped).
/// - `DP` ("2011 Jul") → `year`; `TA` → `journal` (the abbreviation), `JT` only when there is no `TA`.
/// - `LID` or `AID` "10.1007/… [doi]" → `doi`; other kinds of article id ("[pii]") are dropped.
/// - `PT` → `publicationTypes`; `MH` → `subjects` without "*" and "/subheading"; `OT` → `subjects`.
/// - `SI` "ClinicalTrials.gov/NCT00568555" → `nct`; failing that, the first NCT id in any field.
public enum MedlineReader {
    public static func read(_ text: String) throws(BibliographicSyntaxError) -> [Citation] {
        let lines = TaggedLines.split(text)
        // One pass in line order checks the file's shape and finds where each record is;
        // nothing is copied. Each record's fields are then read on their own, on every core.
        var records: [ClosedRange<Int>] = []
        var open: ClosedRange<Int>?
        for (index, line) in lines.enumerated() {
            if line.isBlank {
                if let record = open { records.append(record) }
                open = nil
            } else if let length = tagLength(line.text) {
                if let record = open {
                    guard length != 4 || !line.text.utf8.starts(with: "PMID".utf8) else {
                        throw BibliographicSyntaxError(
                            line: line.number,
                            message: "a second PMID in the record starting at line \(lines[record.lowerBound].number); records are separated by a blank line")
                    }
                    open = record.lowerBound...index
                } else {
                    let (tag, value) = field(line.text, tagLength: length)
                    guard tag == "PMID" else {
                        throw BibliographicSyntaxError(
                            line: line.number, message: "a record without PMID: MEDLINE records start with 'PMID- ', this one with '\(tag)'")
                    }
                    let pmid = TaggedField(tag: tag, line: line.number, value: value).text
                    guard BibliographicValue.isPubMedID(pmid) else {
                        throw BibliographicSyntaxError(line: line.number, message: "PMID '\(pmid)' is not a PubMed id")
                    }
                    open = index...index
                }
            } else if line.text.first?.isWhitespace == true, let record = open {
                open = record.lowerBound...index
            } else if open == nil && records.isEmpty {
                throw BibliographicSyntaxError(line: line.number, message: "text before the first PMID line")
            } else {
                throw BibliographicSyntaxError(
                    line: line.number, message: "expected a tag like 'TI  - ' or a continuation line")
            }
        }
        if let record = open { records.append(record) }
        guard !records.isEmpty else {
            throw BibliographicSyntaxError(line: nil, message: "no MEDLINE record (no PMID line)")
        }
        return records.concurrentMap { _, range in
            citation(from: TaggedRecord(fields(lines[range])), lines: lines[range])
        }
    }

    /// The fields of one record's lines (checked by `read`): a tag line opens a field, an
    /// indented line continues it.
    private static func fields(_ lines: ArraySlice<TaggedLine>) -> [TaggedField] {
        var fields: [TaggedField] = []
        for line in lines {
            if let (tag, value) = medlineTag(line.text) {
                fields.append(TaggedField(tag: tag, line: line.number, value: value))
            } else if !fields.isEmpty {
                fields[fields.count - 1].append(line.text)
            }
        }
        return fields
    }

    /// "TI  - Title" → ("TI", "Title"): up to four capitals or digits (the first a capital),
    /// padded with spaces to four, then "-" and a space, or the end of the line.
    static func medlineTag(_ text: Substring) -> (tag: String, value: Substring)? {
        tagLength(text).map { field(text, tagLength: $0) }
    }

    /// The length of the tag `text` starts with (2 to 4), or nil when it starts with none.
    /// On the UTF-8 bytes, in place: tags are ASCII, and this runs on every line.
    private static func tagLength(_ text: Substring) -> Int? {
        text.utf8.withContiguousStorageIfAvailable(tagLength) ?? Array(text.utf8.prefix(6)).withUnsafeBufferPointer(tagLength)
    }

    private static func tagLength(_ head: UnsafeBufferPointer<UInt8>) -> Int? {
        guard head.count >= 5, head[4] == UInt8(ascii: "-"), head.count == 5 || head[5] == UInt8(ascii: " ") else { return nil }
        func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        let length = head[0..<4].firstIndex(of: UInt8(ascii: " ")) ?? 4
        guard length >= 2, isUpper(head[0]), head[0..<length].allSatisfy({ isUpper($0) || isDigit($0) }),
              head[length..<4].allSatisfy({ $0 == UInt8(ascii: " ") })
        else { return nil }
        return length
    }

    /// The tag and the value of a line whose tag is `tagLength` long.
    private static func field(_ text: Substring, tagLength length: Int) -> (tag: String, value: Substring) {
        let bytes = text.utf8
        let value = bytes.index(bytes.startIndex, offsetBy: min(6, bytes.count))
        return (String(decoding: bytes.prefix(length), as: UTF8.self), text[value...])
    }
}

extension MedlineReader {
    static func citation(from record: TaggedRecord, lines: ArraySlice<TaggedLine>) -> Citation {
        var record = record
        var citation = Citation(taggedLines: lines)

        citation.pmid = record.first(["PMID"], as: "PMID") { .use($0.text) }
        citation.title = record.first(["TI"], as: "title") { .nonEmpty($0.text) }
        citation.abstract = record.first(["AB"], as: "abstract") { .nonEmpty($0.text) }
        citation.authors = record.all(["AU"]) { FieldReading.nonEmpty($0.text).map { [$0] } }
        citation.year = record.first(["DP"], as: "year") { field in
            BibliographicValue.year(in: field.text).map { .use($0) } ?? .reject("DP '\(field.text)' has no year")
        }
        citation.journal = record.first(["TA", "JT"], as: "journal") { .nonEmpty($0.text) }
        citation.doi = record.first(["LID", "AID"], as: "DOI") { field in
            guard let (id, kind) = articleID(field.text) else { return .reject("article id without a [kind]") }
            guard kind == "doi" else { return .reject("[\(kind)] id: not part of an evidence record") }
            return BibliographicValue.doi(in: id).map { .use($0) } ?? .reject("'\(id)' is not a DOI")
        }
        citation.publicationTypes = record.all(["PT"]) { FieldReading.nonEmpty($0.text).map { [$0] } }
        citation.subjects = BibliographicValue.distinct(record.all(["MH", "OT"]) { field in
            FieldReading.nonEmpty(field.tag == "MH" ? meshHeading(field.text) : field.text).map { [$0] }
        })
        citation.nct = record.first(["SI"], as: "trial id") { field in
            BibliographicValue.nctID(in: field.text).map { .use($0) }
                ?? .reject("SI '\(field.text)' is not a ClinicalTrials.gov id")
        }
        if citation.nct == nil {
            // Abstracts often name the registration when SI does not.
            citation.nct = record.first(nil, as: "trial id") { BibliographicValue.nctID(in: $0.text).map { .use($0) } ?? .skip }
        }
        record.reject("FAU", because: "full author name; AU is used")
        citation.dropped = record.dropped(naming: unusedTags)
        return citation
    }

    /// "10.1007/s10620-011-1653-7 [doi]" → ("10.1007/s10620-011-1653-7", "doi").
    static func articleID(_ text: String) -> (id: String, kind: String)? {
        guard text.hasSuffix("]"), let open = text.lastIndex(of: "[") else { return nil }
        let kind = text[text.index(after: open)..<text.index(before: text.endIndex)]
        let id = text[..<open].trimmedEdges
        return kind.isEmpty || id.isEmpty ? nil : (id, kind.lowercased())
    }

    /// "Naltrexone/*administration & dosage" → "Naltrexone", "*Crohn Disease" → "Crohn Disease":
    /// the star marks a major topic and the part after "/" a subheading; the heading is what maps.
    static func meshHeading(_ text: String) -> String {
        let heading = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return heading.filter { $0 != "*" }.trimmedEdges
    }

    /// NLM's names for the tags a citation has no place for.
    private static let unusedTags: [String: String] = [
        "AD": "affiliation", "AUID": "author id", "BTI": "book title", "CI": "copyright", "CIN": "comment in",
        "CN": "corporate author", "COIS": "conflict of interest statement", "CON": "comment on", "CRDT": "create date",
        "DA": "date created", "DCOM": "date completed", "DEP": "electronic publication date", "ED": "editor",
        "EDAT": "Entrez date", "EIN": "erratum in", "FED": "editor", "FIR": "investigator", "GN": "general note",
        "GR": "grant", "IP": "issue", "IR": "investigator", "IRAD": "investigator affiliation", "IS": "ISSN",
        "JID": "NLM journal id", "LA": "language", "LR": "date last revised", "MHDA": "MeSH date",
        "MID": "manuscript id", "OAB": "other abstract", "OABL": "other abstract language", "OID": "other id",
        "OTO": "other term owner", "OWN": "owner", "PG": "pages", "PHST": "publication history",
        "PL": "place of publication", "PMC": "PubMed Central id", "PMCR": "PubMed Central release",
        "PST": "publication status", "RN": "substance", "SB": "subset", "SO": "source", "STAT": "status",
        "TT": "transliterated title", "VI": "volume",
    ]
}
