#if canImport(FoundationXML)
import FoundationXML
#endif
import Foundation

/// `XMLParser`'s delegate for `PubMedXMLReader`: follows where the parser is in the document
/// and gathers each `PubmedArticle` into a citation. Used by one `read` call on one thread,
/// so it is a plain, non-`Sendable` class.
final class PubMedXMLArticleCollector: NSObject, XMLParserDelegate {
    struct OpenElement {
        let name: String
        let line: Int
        /// Slash-separated names below `PubmedArticle` ("MedlineCitation/PMID"); empty outside one.
        let pathInArticle: String
    }

    private(set) var citations: [Citation] = []
    /// The first error that stops reading; later events are ignored.
    private(set) var failure: BibliographicSyntaxError?
    private(set) var rootName: String?
    private(set) var openElements: [OpenElement] = []

    private let lines: PubMedXMLLines
    private var article: PubMedXMLArticleDraft?
    /// The text of the element being read, with how deep it is: inline markup (`<i>`, `<sup>`)
    /// inside it adds its text and nothing else.
    private var capture: (field: PubMedXMLArticleDraft.Field, depth: Int, text: String)?

    init(lines: PubMedXMLLines) {
        self.lines = lines
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes: [String: String]) {
        guard failure == nil else { return }
        let line = parser.lineNumber
        if rootName == nil {
            rootName = elementName
            guard elementName == "PubmedArticleSet" else {
                return fail(parser, line: line, "not PubMed XML: the root element is <\(elementName)>")
            }
        }
        let parent = openElements.last
        var path = ""
        if article != nil, let parent {
            path = parent.pathInArticle.isEmpty ? elementName : parent.pathInArticle + "/" + elementName
        } else if elementName == "PubmedArticle", openElements.count == 1 {
            article = PubMedXMLArticleDraft(line: line)
        }
        openElements.append(OpenElement(name: elementName, line: line, pathInArticle: path))
        guard capture == nil, !path.isEmpty, let field = article?.begin(path, attributes: attributes) else { return }
        capture = (field, openElements.count, "")
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        guard failure == nil, let element = openElements.popLast() else { return }
        if let captured = capture, captured.depth == openElements.count + 1 {
            capture = nil
            article?.receive(captured.text, for: captured.field)
        }
        if !element.pathInArticle.isEmpty {
            article?.end(element.pathInArticle)
        } else if element.name == "PubmedArticle", openElements.count == 1, let finished = article {
            article = nil
            citations.append(finished.citation(endLine: parser.lineNumber, lines: lines))
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        capture?.text += string
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        capture?.text += String(decoding: CDATABlock, as: UTF8.self)
    }

    /// Only Darwin's parser reports entity declarations; PubMed never declares any, and
    /// refusing them keeps entity expansion out of the picture there as well.
    func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
        fail(parser, line: parser.lineNumber, "the file declares the entity \"\(name)\"; PubMed XML declares none")
    }

    func parser(_ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?, systemID: String?) {
        fail(parser, line: parser.lineNumber, "the file declares the external entity \"\(name)\"; PubMed XML declares none")
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        let code = (parseError as NSError).code
        guard failure == nil, !Self.isWarning(code) else { return }
        let line = parser.lineNumber
        fail(parser, line: line, message(forXMLError: code, at: line))
    }

    private func fail(_ parser: XMLParser, line: Int, _ message: String) {
        guard failure == nil else { return }
        failure = BibliographicSyntaxError(line: line, message: message)
        parser.abortParsing()
    }

    private func message(forXMLError code: Int, at line: Int) -> String {
        let problem = PubMedXMLReader.describe(xmlError: code)
        guard rootName != nil else { return "not PubMed XML: \(problem)" }
        guard let open = openElements.last else {
            // Several efetch responses pasted one after another make this (64 for the second
            // `<?xml …?>`, 5 for anything else); 1 is libxml2 giving up, wherever it happens.
            if code != 1 { return "there is more after </\(rootName ?? "")> — several efetch responses in one file? Read them one by one" }
            return "\(problem) after </\(rootName ?? "")>"
        }
        // A cut-off end tag ("</Abstr") reports 73 before 76, so a 76 is a real mismatch even on the last line.
        if code == 76 { return "a closing tag does not match <\(open.name)>, opened on line \(open.line)" }
        if line >= lines.lastContentLine { return PubMedXMLReader.truncated(inside: open.name) }
        return "\(problem) inside <\(open.name)>"
    }

    /// libxml2 reports warnings through the same channel as errors; none of these stops a
    /// well-formed file from being read. 27: an entity the unread DTD would declare (`&nbsp;`);
    /// 93–107: catalog, version, `xml:lang`, namespace URI and `xml:space` remarks; 200…: namespace
    /// errors, which XML 1.0 well-formedness does not include.
    private static func isWarning(_ code: Int) -> Bool {
        [27, 93, 97, 98, 99, 100, 102, 106, 107].contains(code) || (200..<300).contains(code)
    }
}

/// One `PubmedArticle` while it is being read: what each element means for the citation.
/// Paths are below `PubmedArticle`, as the DTD nests them.
struct PubMedXMLArticleDraft {
    enum Field {
        case pmid, title, abstractText(label: String?), isoAbbreviation, journalTitle, medlineTA
        case pubDateYear, medlineDate, articleDateYear, doi, articleID(type: String)
        case publicationType, meshDescriptor, keyword, dataBankName, accessionNumber
        case lastName, foreName, initials, suffix, collectiveName
    }

    /// Lists whose content has no place in a citation: one note each, tagged with the item's name.
    static let droppedLists: [String: (tag: String, reason: String)] = [
        "MedlineCitation/Article/GrantList": ("Grant", "funding is not part of an evidence record"),
        "MedlineCitation/ChemicalList": ("Chemical", "substance entries are not carried; MeSH headings name the drug"),
        "MedlineCitation/SupplMeshList": ("SupplMeshName", "supplementary MeSH concepts are not carried"),
        "MedlineCitation/OtherAbstract": ("OtherAbstract", "only the article's own abstract is kept"),
        "MedlineCitation/InvestigatorList": ("Investigator", "only the author list is kept"),
        "MedlineCitation/CoiStatement": ("CoiStatement", "conflict-of-interest statements are not part of an evidence record"),
        "MedlineCitation/Article/VernacularTitle": ("VernacularTitle", "the English ArticleTitle is kept"),
        "PubmedData/ReferenceList": ("Reference", "cited references are not carried"),
    ]

    private let line: Int
    private var result = Citation()
    private var abstractParts: [String] = []
    private var isoAbbreviation: String?, journalTitle: String?, medlineTA: String?
    private var pubDateYear: Int?, articleDateYear: Int?
    private var pubmedArticleID: String?
    private var author: AuthorParts?
    private var readsAuthors = true
    private var dataBank: (name: String, accessions: [String])?
    /// Link types (`RefType`) of CommentsCorrections: a "RetractionIn" deserves to be seen.
    private var linkTypes: [String] = []
    private var notCarriedAccessions: [String] = []
    private var dropped: [DroppedField] = []

    init(line: Int) {
        self.line = line
    }

    struct AuthorParts {
        var lastName: String?, foreName: String?, initials: String?, suffix: String?, collectiveName: String?

        /// "Smith JP" as MEDLINE's AU field writes it (initials from ForeName when Initials is
        /// missing); a group's CollectiveName as it is.
        var name: String? {
            guard let lastName else { return collectiveName }
            let initials = initials ?? foreName.map { fore in
                String(fore.split(whereSeparator: { $0 == " " || $0 == "-" }).compactMap(\.first))
            }
            return [lastName, initials, suffix].compactMap { $0 }.joined(separator: " ")
        }
    }

    /// An element starts: the field its text goes to, if it is one the citation uses.
    mutating func begin(_ path: String, attributes: [String: String]) -> Field? {
        switch path {
        case "MedlineCitation/PMID": return .pmid
        case "MedlineCitation/Article/ArticleTitle": return .title
        case "MedlineCitation/Article/Abstract/AbstractText": return .abstractText(label: attributes["Label"])
        case "MedlineCitation/Article/Journal/ISOAbbreviation": return .isoAbbreviation
        case "MedlineCitation/Article/Journal/Title": return .journalTitle
        case "MedlineCitation/MedlineJournalInfo/MedlineTA": return .medlineTA
        case "MedlineCitation/Article/Journal/JournalIssue/PubDate/Year": return .pubDateYear
        case "MedlineCitation/Article/Journal/JournalIssue/PubDate/MedlineDate": return .medlineDate
        case "MedlineCitation/Article/ArticleDate/Year": return .articleDateYear
        case "MedlineCitation/Article/ELocationID":
            return attributes["EIdType"] == "doi" && attributes["ValidYN"] != "N" ? .doi : nil
        case "PubmedData/ArticleIdList/ArticleId":
            // "pubmed" is the DTD's default IdType, which a parser that skips the DTD does not fill in.
            return .articleID(type: attributes["IdType"] ?? "pubmed")
        case "MedlineCitation/Article/PublicationTypeList/PublicationType": return .publicationType
        case "MedlineCitation/MeshHeadingList/MeshHeading/DescriptorName": return .meshDescriptor
        case "MedlineCitation/KeywordList/Keyword": return .keyword
        case "MedlineCitation/Article/AuthorList":
            readsAuthors = (attributes["Type"] ?? "authors") == "authors"
            if !readsAuthors { note("AuthorList", "editors are not authors") }
        case "MedlineCitation/Article/AuthorList/Author":
            if !readsAuthors { return nil }
            if attributes["ValidYN"] == "N" {
                note("Author", "a name marked not valid (ValidYN=\"N\") is left out")
            } else {
                author = AuthorParts()
            }
        case "MedlineCitation/Article/AuthorList/Author/LastName": return .lastName
        case "MedlineCitation/Article/AuthorList/Author/ForeName": return .foreName
        case "MedlineCitation/Article/AuthorList/Author/Initials": return .initials
        case "MedlineCitation/Article/AuthorList/Author/Suffix": return .suffix
        case "MedlineCitation/Article/AuthorList/Author/CollectiveName": return .collectiveName
        case "MedlineCitation/Article/DataBankList/DataBank": dataBank = ("", [])
        case "MedlineCitation/Article/DataBankList/DataBank/DataBankName": return .dataBankName
        case "MedlineCitation/Article/DataBankList/DataBank/AccessionNumberList/AccessionNumber": return .accessionNumber
        case "MedlineCitation/CommentsCorrectionsList/CommentsCorrections":
            if let type = attributes["RefType"], !linkTypes.contains(type) { linkTypes.append(type) }
        default:
            if let (tag, reason) = Self.droppedLists[path] { note(tag, reason) }
        }
        return nil
    }

    /// The whole text of an element `begin` asked for, inline markup reduced to its text.
    mutating func receive(_ rawText: String, for field: Field) {
        let text = Self.collapsingWhitespace(rawText)
        guard !text.isEmpty else { return }
        switch field {
        case .pmid: result.pmid = text
        case .title: result.title = text
        case .abstractText(let label):
            let label = label.map(Self.collapsingWhitespace) ?? ""
            abstractParts.append(label.isEmpty ? text : "\(label): \(text)")
        case .isoAbbreviation: isoAbbreviation = text
        case .journalTitle: journalTitle = text
        case .medlineTA: medlineTA = text
        case .pubDateYear, .medlineDate: pubDateYear = pubDateYear ?? Self.firstYear(in: text)
        case .articleDateYear: articleDateYear = articleDateYear ?? Self.firstYear(in: text)
        case .doi: result.doi = result.doi ?? text
        case .articleID(let type):
            if type == "doi" { result.doi = result.doi ?? text }
            if type == "pubmed" { pubmedArticleID = pubmedArticleID ?? text }
        case .publicationType: result.publicationTypes.append(text)
        case .meshDescriptor, .keyword:
            if !result.subjects.contains(text) { result.subjects.append(text) }
        case .dataBankName: dataBank?.name = text
        case .accessionNumber: dataBank?.accessions.append(text)
        case .lastName: author?.lastName = text
        case .foreName: author?.foreName = text
        case .initials: author?.initials = text
        case .suffix: author?.suffix = text
        case .collectiveName: author?.collectiveName = text
        }
    }

    /// An element below the article ends: authors and data banks are complete only then.
    mutating func end(_ path: String) {
        switch path {
        case "MedlineCitation/Article/AuthorList/Author":
            if let name = author?.name { result.authors.append(name) }
            author = nil
        case "MedlineCitation/Article/DataBankList/DataBank":
            guard let bank = dataBank else { return }
            dataBank = nil
            var accessions = bank.accessions[...]
            if bank.name == "ClinicalTrials.gov", result.nct == nil, let first = accessions.popFirst() { result.nct = first }
            notCarriedAccessions += accessions.map { "\(bank.name) \($0)" }
        default:
            break
        }
    }

    func citation(endLine: Int, lines: PubMedXMLLines) -> Citation {
        var citation = result
        citation.line = line
        citation.original = lines.text(from: line, through: endLine)
        citation.journal = isoAbbreviation ?? journalTitle ?? medlineTA
        citation.year = pubDateYear ?? articleDateYear
        citation.abstract = abstractParts.isEmpty ? nil : abstractParts.joined(separator: " ")
        var dropped = dropped
        if let id = pubmedArticleID {
            if citation.pmid == nil {
                citation.pmid = id
            } else if citation.pmid != id {
                dropped.append(DroppedField(tag: "ArticleId", reason: "pubmed id \(id) differs from the PMID \(citation.pmid ?? ""), which is kept"))
            }
        }
        if !notCarriedAccessions.isEmpty {
            dropped.append(DroppedField(tag: "DataBank", reason: "a record keeps one ClinicalTrials.gov number; not carried: "
                + notCarriedAccessions.joined(separator: ", ")))
        }
        if !linkTypes.isEmpty {
            dropped.append(DroppedField(tag: "CommentsCorrections", reason: "links to other PubMed records are not carried ("
                + linkTypes.joined(separator: ", ") + ")"))
        }
        citation.dropped = dropped
        return citation
    }

    private mutating func note(_ tag: String, _ reason: String) {
        if !dropped.contains(where: { $0.tag == tag }) { dropped.append(DroppedField(tag: tag, reason: reason)) }
    }

    /// The first run of four digits: "2011", "1998 Dec-1999 Jan" → 1998, "2011 Jul-Aug" → 2011.
    static func firstYear(in text: String) -> Int? {
        var run = ""
        for character in text {
            if character.isASCII, character.isNumber {
                run.append(character)
            } else if run.count == 4 {
                break
            } else {
                run = ""
            }
        }
        return run.count == 4 ? Int(run) : nil
    }

    /// Runs of white space (line breaks of a pretty-printed file included) become one space.
    /// Scalar by scalar into bytes: `Character.isWhitespace` over every title and abstract took
    /// a quarter of the time to read a large file.
    static func collapsingWhitespace(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var spaceDue = false
        for scalar in text.unicodeScalars {
            let isSpace = scalar.isASCII ? " \t\n\r".unicodeScalars.contains(scalar) : scalar.properties.isWhitespace
            if isSpace {
                spaceDue = !bytes.isEmpty
                continue
            }
            if spaceDue { bytes.append(UInt8(ascii: " ")) }
            spaceDue = false
            UTF8.encode(scalar) { bytes.append($0) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
