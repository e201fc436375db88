import Foundation

/// Reads RIS, the tagged format reference managers and databases export: each line is
/// "XY  - value" (a capital, a capital or digit, two spaces, a hyphen, a space); a record
/// runs from `TY` to `ER`; an untagged line inside a record continues the field above it.
///
/// What becomes of each tag:
/// - `TY` → `publicationTypes` ("JOUR", "CONF").
/// - `AU`, `A1` → `authors`. "Last, Given" is written the MEDLINE way, "Smith JP": each given
///   name becomes its initial; a part with no lower-case letters ("J.P.", "MRKL") is read as
///   initials already and kept whole. A name without a comma is kept as written.
/// - `TI`, then `T1` → `title`.
/// - Journal: abbreviations first, `JA`, then `J2`, then full names `JO`, `JF`, `T2` — MEDLINE
///   and PubMed XML give the abbreviation ("Dig Dis Sci"), so the same study reads the same.
/// - `PY`, then `Y1`, then `DA` → `year`, the first four-digit year ("2011///").
/// - `DO` → `doi` ("https://doi.org/" or "doi:" removed); `AN` → `pmid` when all digits.
/// - `UR` → `url` (the first); a PubMed link also gives the PMID and a doi.org link the DOI
///   when `AN` and `DO` do not.
/// - `AB`, then `N2` → `abstract`, paragraphs kept; `KW` → `subjects`, split on ";".
/// - The first "NCT" + 8 digits in any field's value → `nct` (exports put it in `N1` or `AB`).
///
/// Exports from different vendors are tolerated: a byte-order mark, CRLF or CR line ends,
/// blank lines, numbering such as "1." or "Record 2 of 5" between records, and tags after
/// `ER` (kept in the previous citation's `dropped` as "after ER; ignored").
public enum RISReader {
    public static func read(_ text: String) throws(BibliographicSyntaxError) -> [Citation] {
        let lines = TaggedLines.split(text)
        guard lines.contains(where: { risTag($0.text)?.tag == "TY" }) else {
            throw BibliographicSyntaxError(line: nil, message: "no RIS record (no TY line)")
        }
        var citations: [Citation] = []
        var open: OpenRecord?

        for (index, line) in lines.enumerated() {
            guard let (tag, value) = risTag(line.text) else {
                if line.isBlank {
                    open?.sawBlankLine = true
                } else {
                    // Outside a record this is vendor numbering or a header: nothing to read.
                    open?.continueLastField(with: line.text)
                }
                continue
            }
            switch (tag, open) {
            case ("TY", let record?):
                throw BibliographicSyntaxError(
                    line: line.number,
                    message: "TY inside the record starting at line \(lines[record.start].number); its ER line is missing")
            case ("TY", nil):
                open = OpenRecord(start: index, fields: [TaggedField(tag: tag, line: line.number, value: value)])
            case ("ER", let record?):
                citations.append(citation(from: TaggedRecord(record.fields), lines: lines[record.start...index]))
                open = nil
            case (_, var record?):
                record.fields.append(TaggedField(tag: tag, line: line.number, value: value))
                record.sawBlankLine = false
                open = record
            case (_, nil):
                guard !citations.isEmpty else {
                    throw BibliographicSyntaxError(
                        line: line.number, message: "\(tag) before the first TY line; a RIS record starts with 'TY  - '")
                }
                let stray = DroppedField(tag: tag, reason: "after ER; ignored")
                if !citations[citations.count - 1].dropped.contains(stray) {
                    citations[citations.count - 1].dropped.append(stray)
                }
            }
        }
        if let record = open {
            let lastLine = lines[record.start...].last { !$0.isBlank }?.number
            throw BibliographicSyntaxError(
                line: lastLine,
                message: "the record starting at line \(lines[record.start].number) has no ER line; the file may be truncated")
        }
        return citations
    }

    /// "AU  - Smith, J." → ("AU", "Smith, J."). An "ER  -" whose trailing space an editor
    /// removed still counts.
    static func risTag(_ text: Substring) -> (tag: String, value: Substring)? {
        let head = Array(text.prefix(6))
        guard head.count >= 5,
              head[0].isASCII, head[0].isUppercase,
              head[1].isASCII, head[1].isUppercase || head[1].isNumber,
              head[2] == " ", head[3] == " ", head[4] == "-",
              head.count == 5 || head[5] == " "
        else { return nil }
        return (String(head[0...1]), text.dropFirst(head.count))
    }

    private struct OpenRecord {
        /// Index of the TY line in the file's lines.
        let start: Int
        var fields: [TaggedField]
        var sawBlankLine = false

        /// A blank line before the continuation starts a new paragraph (abstracts keep them).
        mutating func continueLastField(with text: Substring) {
            fields[fields.count - 1].append(text, startingParagraph: sawBlankLine)
            sawBlankLine = false
        }
    }
}

extension RISReader {
    static func citation(from record: TaggedRecord, lines: ArraySlice<TaggedLine>) -> Citation {
        var record = record
        var citation = Citation(taggedLines: lines)

        citation.publicationTypes = record.all(["TY"]) { FieldReading.nonEmpty($0.text).map { [$0] } }
        citation.authors = record.all(["AU", "A1"]) { FieldReading.nonEmpty($0.text).map { [medlineStyle($0)] } }
        citation.title = record.first(["TI", "T1"], as: "title") { .nonEmpty($0.text) }
        citation.journal = record.first(["JA", "J2", "JO", "JF", "T2"], as: "journal") { .nonEmpty($0.text) }
        citation.year = record.first(["PY", "Y1", "DA"], as: "year") { field in
            BibliographicValue.year(in: field.text).map { .use($0) } ?? .reject("\(field.tag) '\(field.text)' has no year")
        }
        citation.url = record.first(["UR"], as: "URL") { .nonEmpty($0.text) }
        citation.doi = record.first(["DO", "UR"], as: "DOI") { field in
            let doi = field.tag == "UR" ? BibliographicValue.doiFromLink(field.text) : BibliographicValue.doi(in: field.text)
            if let doi { return .use(doi) }
            return field.tag == "UR" ? .skip : .reject("DO '\(field.text)' is not a DOI")
        }
        citation.pmid = record.first(["AN", "UR"], as: "PMID") { field in
            if field.tag == "UR" { return BibliographicValue.pubMedID(fromLink: field.text).map { .use($0) } ?? .skip }
            return BibliographicValue.isPubMedID(field.text) ? .use(field.text) : .reject("AN '\(field.text)' is not a PubMed id")
        }
        citation.abstract = record.first(["AB", "N2"], as: "abstract") { .nonEmpty($0.paragraphText) }
        citation.subjects = BibliographicValue.distinct(record.all(["KW"]) { field in
            .use(field.text.split(separator: ";").map { $0.trimmedEdges }.filter { !$0.isEmpty })
        })
        citation.nct = record.first(nil, as: "trial id") { field in
            BibliographicValue.nctID(in: field.text).map { .use($0) } ?? .skip
        }
        citation.dropped = record.dropped(naming: unusedTags)
        return citation
    }

    /// "Smith, J. P." → "Smith JP", "Doe, Jane Ann" → "Doe JA", "Smith, J. P., Jr." → "Smith JP Jr";
    /// a name without a comma ("FINAL Study Group") is kept as written.
    static func medlineStyle(_ name: String) -> String {
        let parts = name.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmedEdges }
        guard parts.count >= 2, !parts[0].isEmpty else { return name }
        let initials = parts[1].split { $0 == " " || $0 == "." || $0 == "-" }.map { word in
            word.contains(where: \.isLowercase) ? String(word.prefix(1)).uppercased() : String(word.filter(\.isLetter))
        }.joined()
        let suffix = parts.dropFirst(2).map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ".")) }.filter { !$0.isEmpty }
        return ([parts[0]] + (initials.isEmpty ? [] : [initials]) + suffix).joined(separator: " ")
    }

    /// What the RIS specification calls the tags a citation has no place for.
    private static let unusedTags: [String: String] = [
        "A2": "secondary author or editor", "A3": "tertiary author", "A4": "subsidiary author", "ED": "editor",
        "AD": "author address", "AV": "archive location", "BT": "book title", "CA": "caption", "CN": "call number",
        "CY": "place published", "DB": "database name", "DP": "database provider", "EP": "end page", "ET": "edition",
        "ID": "reference id", "IS": "issue", "J1": "user journal abbreviation", "L1": "file link", "L2": "link",
        "L4": "figure link", "LA": "language", "LB": "label", "M1": "miscellaneous", "M2": "miscellaneous",
        "M3": "type of work", "N1": "notes", "OP": "original publication", "PB": "publisher", "RN": "research notes",
        "RP": "reprint status", "SE": "section", "SN": "ISSN or ISBN", "SP": "start page", "ST": "short title",
        "T3": "series title", "TT": "translated title", "VL": "volume", "Y2": "access date",
    ]
}
