import EvidenceModel
import Foundation

/// Reads ClinicalTrials.gov data API v2 study JSON: one study (as `GET /api/v2/studies/NCT…`
/// returns it), a search page (`{"studies": […], "nextPageToken": …}`), or an array of studies.
///
/// A registry record describes a trial, not a paper: each citation's `publicationTypes` is
/// `[publicationType]` so the mapping can tell the two apart, and `authors` stays empty because
/// the registry names officials, not authors. Whatever the reader does not carry over is in
/// `dropped`, tagged with its API path (`protocolSection.statusModule.overallStatus`).
/// A page's own members (`nextPageToken`, `totalCount`) are about the query and are ignored.
public enum ClinicalTrialsReader {
    /// The publication type every citation from this reader carries.
    public static let publicationType = "Clinical trial registry record"

    public static func read(_ text: String) throws(BibliographicSyntaxError) -> [Citation] {
        let bytes = Array(text.utf8)
        let document: JSONValue
        do {
            document = try JSONParser.parse(Data(bytes))
        } catch {
            throw BibliographicSyntaxError(line: error.line, message: "invalid JSON: \(error.message) (column \(error.column))")
        }
        // The parser reports values, not where they are: the spans give each study its line and text.
        let spans = ValueSpans(bytes: bytes)
        var lines = LineCounter(bytes: bytes)
        var citations: [Citation] = []
        for (index, located) in try studies(in: document, spans: spans).enumerated() {
            let line = lines.line(at: located.span.lowerBound)
            guard case .object = located.study else {
                throw BibliographicSyntaxError(line: line, message: "study \(index + 1) is \(located.study.typeName), not an object")
            }
            var citation = try citation(from: located.study, number: index + 1, line: line)
            citation.line = line
            citation.original = String(decoding: bytes[located.span], as: UTF8.self)
            citations.append(citation)
        }
        return citations
    }

    /// The studies of whichever of the three shapes the document has, each with where it is in the text.
    private static func studies(in document: JSONValue, spans: ValueSpans)
        throws(BibliographicSyntaxError) -> [(study: JSONValue, span: Range<Int>)]
    {
        let whole = spans.document()
        func shapeError(_ message: String, at span: Range<Int>) -> BibliographicSyntaxError {
            var lines = LineCounter(bytes: spans.bytes)
            return BibliographicSyntaxError(line: lines.line(at: span.lowerBound), message: message)
        }
        switch document {
        case .array(let elements):
            return zip(elements, spans.elements(of: whole)).map { (study: $0, span: $1) }
        case .object where document["studies"] != nil:
            let studiesSpan = spans.member("studies", of: whole) ?? whole
            guard case .array(let elements)? = document["studies"] else {
                let found = document["studies"]?.typeName ?? ""
                throw shapeError("\"studies\" is \(found), not an array of studies", at: studiesSpan)
            }
            return zip(elements, spans.elements(of: studiesSpan)).map { (study: $0, span: $1) }
        case .object where document["protocolSection"] != nil:
            return [(study: document, span: whole)]
        case .object:
            throw shapeError("not a ClinicalTrials.gov study: the object has neither \"protocolSection\" nor \"studies\"", at: whole)
        default:
            throw shapeError("expected a study, a {\"studies\": […]} page or an array of studies, found \(document.typeName)", at: whole)
        }
    }

    private static func citation(from study: JSONValue, number: Int, line: Int) throws(BibliographicSyntaxError) -> Citation {
        let protocolSection = study["protocolSection"]
        let identification = protocolSection?["identificationModule"]
        guard let nct = text(identification?["nctId"]) else {
            throw BibliographicSyntaxError(line: line, message: "study \(number) has no nctId")
        }
        var citation = Citation()
        citation.nct = nct
        citation.url = "https://clinicaltrials.gov/study/\(nct)"
        citation.publicationTypes = [publicationType]
        citation.dropped = unusedMembers(of: study, at: "")

        let briefTitle = text(identification?["briefTitle"])
        citation.title = briefTitle ?? text(identification?["officialTitle"])
        if briefTitle != nil, identification?["officialTitle"] != nil {
            citation.dropped.append(DroppedField(tag: "protocolSection.identificationModule.officialTitle",
                                                 reason: "the brief title is the title"))
        }

        let status = protocolSection?["statusModule"]
        citation.year = year(of: status?["startDateStruct"]?["date"]) ?? year(of: status?["studyFirstSubmitDate"])

        let conditions = protocolSection?["conditionsModule"]
        for subject in strings(conditions?["conditions"]) + strings(conditions?["keywords"])
        where !citation.subjects.contains(subject) {
            citation.subjects.append(subject)
        }

        citation.abstract = text(protocolSection?["descriptionModule"]?["briefSummary"])
        citation.registry = registryDesign(protocolSection?["designModule"])
        readEnrollment(protocolSection?["designModule"]?["enrollmentInfo"], into: &citation)
        citation.comparator = comparator(protocolSection?["armsInterventionsModule"])
        readReferences(protocolSection?["referencesModule"]?["references"], into: &citation)
        return citation
    }

    /// A placebo or active comparator, from the arm groups' types or a placebo intervention;
    /// nil when the registry says neither (single-arm studies, no-intervention controls).
    static func comparator(_ arms: JSONValue?) -> String? {
        var types: [String] = []
        if case .array(let groups)? = arms?["armGroups"] { types = groups.compactMap { text($0["type"]) } }
        var interventions: [String] = []
        if case .array(let list)? = arms?["interventions"] { interventions = list.compactMap { text($0["name"]) } }
        if types.contains("PLACEBO_COMPARATOR") || types.contains("SHAM_COMPARATOR")
            || interventions.contains(where: { $0.lowercased().contains("placebo") }) {
            return "placebo"
        }
        return types.contains("ACTIVE_COMPARATOR") ? "active" : nil
    }

    private static func registryDesign(_ design: JSONValue?) -> RegistryDesign? {
        guard let design else { return nil }
        let info = design["designInfo"]
        let registry = RegistryDesign(
            studyType: text(design["studyType"]),
            allocation: text(info?["allocation"]),
            interventionModel: text(info?["interventionModel"]),
            masking: text(info?["maskingInfo"]?["masking"]),
            observationalModel: text(info?["observationalModel"]),
            phases: strings(design["phases"]))
        return registry == RegistryDesign() ? nil : registry
    }

    /// Only an ACTUAL enrollment counts participants: an ESTIMATED one is a recruitment target.
    private static func readEnrollment(_ enrollment: JSONValue?, into citation: inout Citation) {
        guard let enrollment else { return }
        let tag = "protocolSection.designModule.enrollmentInfo"
        switch text(enrollment["type"]) {
        case "ACTUAL":
            guard let count = enrollment["count"]?.integerValue(Int.self), count >= 0 else {
                citation.dropped.append(DroppedField(tag: tag, reason: "enrollment count is not a whole number"))
                return
            }
            citation.participants = count
        case "ESTIMATED":
            citation.dropped.append(DroppedField(tag: tag, reason: "enrollment is an estimate"))
        default:
            citation.dropped.append(DroppedField(tag: tag, reason: "enrollment is not marked ACTUAL"))
        }
    }

    /// A linked paper is a study of its own: it should come in as the paper, not as part of the trial.
    private static func readReferences(_ references: JSONValue?, into citation: inout Citation) {
        for reference in references?.arrayValue ?? [] {
            let reason = text(reference["pmid"]).map { "linked publication PMID \($0): submit the paper itself" }
                ?? "linked publication without a PMID"
            citation.dropped.append(DroppedField(tag: "protocolSection.referencesModule.references", reason: reason))
        }
    }

    // MARK: What is left out

    /// The members the reader looks inside, by path; any other member of these is dropped whole.
    /// A member listed here without an entry of its own is read by `citation(from:number:line:)`.
    private static let inspectedMembers: [String: Set<String>] = [
        // `hasResults` only says whether `resultsSection` exists; that section is dropped itself.
        "": ["protocolSection", "hasResults"],
        "protocolSection": ["identificationModule", "statusModule", "conditionsModule", "descriptionModule",
                            "designModule", "referencesModule", "contactsLocationsModule"],
        "protocolSection.identificationModule": ["nctId", "briefTitle", "officialTitle"],
        "protocolSection.statusModule": ["startDateStruct", "studyFirstSubmitDate"],
        "protocolSection.conditionsModule": ["conditions", "keywords"],
        "protocolSection.descriptionModule": ["briefSummary"],
        "protocolSection.designModule": ["studyType", "designInfo", "phases", "enrollmentInfo"],
        "protocolSection.designModule.designInfo": ["allocation", "interventionModel", "maskingInfo", "observationalModel"],
        "protocolSection.designModule.designInfo.maskingInfo": ["masking"],
        "protocolSection.referencesModule": ["references"],
        // Looked into so that officials are reported on their own, with their reason.
        "protocolSection.contactsLocationsModule": [],
    ]

    private static let dropReasons: [String: String] = [
        "protocolSection.statusModule.overallStatus": "recruitment status describes the registration, not the evidence",
        "protocolSection.statusModule.whyStopped": "recruitment status describes the registration, not the evidence",
        "protocolSection.contactsLocationsModule.overallOfficials": "registries name officials, not authors",
        "protocolSection.armsInterventionsModule": "doses and arm details are not read (only whether there is a placebo or active comparator)",
        "protocolSection.outcomesModule": "planned outcomes are not findings",
        "protocolSection.descriptionModule.detailedDescription": "the brief summary is the abstract",
        "resultsSection": "posted results are not read; outcomes come from the paper",
        "derivedSection": "derived by the registry; the conditions as registered are read",
    ]

    private static func unusedMembers(of value: JSONValue?, at path: String) -> [DroppedField] {
        guard case .object(let members)? = value, let inspected = inspectedMembers[path] else { return [] }
        return members.flatMap { member -> [DroppedField] in
            let memberPath = path.isEmpty ? member.key : "\(path).\(member.key)"
            guard inspected.contains(member.key) else {
                return [DroppedField(tag: memberPath, reason: dropReasons[memberPath] ?? "a citation has no field for it")]
            }
            return unusedMembers(of: member.value, at: memberPath)
        }
    }

    // MARK: Values

    private static func text(_ value: JSONValue?) -> String? {
        guard let string = value?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !string.isEmpty else {
            return nil
        }
        return string
    }

    private static func strings(_ value: JSONValue?) -> [String] {
        (value?.arrayValue ?? []).compactMap { text($0) }
    }

    /// The year of an API partial date: "2013", "2013-05" or "2013-05-15".
    private static func year(of value: JSONValue?) -> Int? {
        guard let date = text(value) else { return nil }
        let digits = date.utf8.prefix(4)
        guard digits.count == 4, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              date.utf8.count == 4 || date.utf8.dropFirst(4).first == UInt8(ascii: "-") else { return nil }
        return Int(date.prefix(4))
    }
}

extension ClinicalTrialsReader {
    /// Where values start and end in JSON text that has already parsed, so the scan can skip
    /// validation: strings are stepped over escape by escape, containers by bracket depth.
    private struct ValueSpans {
        let bytes: [UInt8]

        /// The document's one value; a leading byte order mark is skipped, as the parser does.
        func document() -> Range<Int> {
            var start = skipWhitespace(from: 0)
            if bytes[start...].starts(with: [0xEF, 0xBB, 0xBF]) { start += 3 }
            return value(from: start)
        }

        func elements(of array: Range<Int>) -> [Range<Int>] {
            var elements: [Range<Int>] = []
            var position = skipWhitespace(from: array.lowerBound + 1)
            while position < array.upperBound - 1 {  // the last byte is the closing ']'
                let element = value(from: position)
                elements.append(element)
                position = skipWhitespace(from: afterComma(skipWhitespace(from: element.upperBound)))
            }
            return elements
        }

        /// The value of the object's member named `key`.
        func member(_ key: String, of object: Range<Int>) -> Range<Int>? {
            var position = skipWhitespace(from: object.lowerBound + 1)
            while position < object.upperBound - 1 {  // the last byte is the closing '}'
                let name = value(from: position)
                let member = value(from: skipWhitespace(from: name.upperBound) + 1)  // past the ':'
                // Decoded by the parser so that a key written with escapes still matches.
                let decoded = try? JSONParser.parse(Data(bytes[name])).stringValue
                if decoded == key { return member }
                position = skipWhitespace(from: afterComma(skipWhitespace(from: member.upperBound)))
            }
            return nil
        }

        func value(from start: Int) -> Range<Int> {
            let position = skipWhitespace(from: start)
            guard position < bytes.count else { return position..<position }
            switch bytes[position] {
            case UInt8(ascii: "\""): return position..<endOfString(from: position)
            case UInt8(ascii: "{"), UInt8(ascii: "["): return position..<endOfContainer(from: position)
            default:  // a number or a literal runs to the next delimiter
                var end = position + 1
                while end < bytes.count, !isDelimiter(bytes[end]) { end += 1 }
                return position..<end
            }
        }

        private func endOfString(from quote: Int) -> Int {
            var position = quote + 1
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: "\\"): position += 2
                case UInt8(ascii: "\""): return position + 1
                default: position += 1
                }
            }
            return bytes.count
        }

        private func endOfContainer(from open: Int) -> Int {
            var depth = 0
            var position = open
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: "\""):
                    position = endOfString(from: position)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return position + 1 }
                default:
                    break
                }
                position += 1
            }
            return bytes.count
        }

        private func afterComma(_ position: Int) -> Int {
            position < bytes.count && bytes[position] == UInt8(ascii: ",") ? position + 1 : position
        }

        private func skipWhitespace(from start: Int) -> Int {
            var position = start
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
            return position
        }

        private func isDelimiter(_ byte: UInt8) -> Bool {
            [UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), 0x20, 0x09, 0x0A, 0x0D].contains(byte)
        }
    }

    /// 1-based line numbers of byte offsets, counted on from the previous offset: the studies
    /// come in file order, so a large search page is scanned once, not once per study.
    private struct LineCounter {
        let bytes: [UInt8]
        private var offset = 0
        private var line = 1

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func line(at target: Int) -> Int {
            if target < offset { (offset, line) = (0, 1) }
            line += bytes[offset..<target].count(where: { $0 == 0x0A })
            offset = target
            return line
        }
    }
}
