#if canImport(FoundationXML)
import FoundationXML
#endif
import Foundation

/// What esearch with `usehistory=y` answers (eSearchResult, NCBI's esearch DTD): the count,
/// and where the history server keeps the result set. `<Count>` is read only as a child of
/// the root, since the translation stack holds counts of its own.
struct ESearchResult: Equatable {
    var count: Int
    var queryKey: String?
    var webEnv: String?

    /// What made the answer unusable: not XML, not an eSearchResult, or NCBI's own `<ERROR>`.
    enum Failure: Error, Equatable {
        case unreadable(String)
        /// NCBI said why (an `<ERROR>`, or the `<ErrorList>` with no count).
        case ncbi(String)
    }

    static func parse(_ data: Data) throws(Failure) -> ESearchResult {
        let reader = Reader()
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.externalEntityResolvingPolicy = .never
        parser.delegate = reader
        let parsed = parser.parse()
        guard parsed, reader.depth == 0, let root = reader.root else {
            throw .unreadable("not XML, or XML cut short")
        }
        guard root == "eSearchResult" else { throw .unreadable("the root element is <\(root)>, not <eSearchResult>") }
        if let error = reader.values["ERROR"], !error.isEmpty { throw .ncbi(error) }
        guard let countText = reader.values["Count"], let count = Int(countText), count >= 0 else {
            if !reader.errorList.isEmpty { throw .ncbi(reader.errorList.joined(separator: "; ")) }
            throw .unreadable("no <Count>")
        }
        return ESearchResult(count: count, queryKey: reader.values["QueryKey"], webEnv: reader.values["WebEnv"])
    }

    /// Collects the root's text children, and the texts inside `<ErrorList>`.
    private final class Reader: NSObject, XMLParserDelegate {
        var root: String?
        var depth = 0
        var values: [String: String] = [:]
        var errorList: [String] = []
        private var inErrorList = false
        private var text = ""

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String]) {
            if root == nil { root = name }
            depth += 1
            if depth == 2, name == "ErrorList" { inErrorList = true }
            text = ""
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if text.utf8.count < 4096 { text += string }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if depth == 2 {
                if name == "ErrorList" { inErrorList = false } else if values[name] == nil { values[name] = value }
            } else if depth == 3, inErrorList, !value.isEmpty {
                errorList.append("\(name): \(value)")
            }
            depth -= 1
            text = ""
        }
    }
}
