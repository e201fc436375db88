import Foundation

/// The formats `ldn submit` reads.
public enum InputFormat: String, CaseIterable, Sendable {
    /// One record object, or an array of them.
    case json
    /// One record object per line.
    case jsonl
    /// A header row naming columns from `CSVRecords.columns`; one record per study, one outcome per row.
    case csv
    /// RIS, as reference managers and databases export it.
    case ris
    /// PubMed's MEDLINE display format (`.nbib`, `.medline`).
    case medline
    /// PubMed XML (`PubmedArticleSet`, as E-utilities efetch returns it).
    case pubmedXML = "pubmed-xml"
    /// ClinicalTrials.gov API v2 study JSON.
    case ctgov

    public var displayName: String {
        switch self {
        case .json: "JSON"
        case .jsonl: "JSON Lines"
        case .csv: "CSV"
        case .ris: "RIS"
        case .medline: "MEDLINE"
        case .pubmedXML: "PubMed XML"
        case .ctgov: "ClinicalTrials.gov"
        }
    }

    /// The format of a file, from its name and its content: the content decides between
    /// formats that share an extension (our JSON and registry JSON; `.txt` exports).
    public static func detect(path: String, text: String) -> InputFormat? {
        let sniffed = sniff(text)
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "json": return sniffed == .ctgov ? .ctgov : .json
        case "jsonl", "ndjson": return .jsonl
        case "csv": return .csv
        case "ris": return .ris
        case "nbib", "medline": return .medline
        case "xml": return .pubmedXML
        default: return sniffed
        }
    }

    /// A guess from the first few kilobytes of text.
    static func sniff(_ text: String) -> InputFormat? {
        let head = String(text.prefix(4096)).trimmingCharacters(in: .whitespacesAndNewlines.union(["\u{FEFF}"]))
        if head.hasPrefix("<") { return head.contains("PubmedArticleSet") ? .pubmedXML : nil }
        if head.hasPrefix("[") || head.hasPrefix("{") {
            if head.contains("\"protocolSection\"") { return .ctgov }
            if head.hasPrefix("[") { return .json }
            return head.contains("\n{") ? .jsonl : .json
        }
        let lines = head.split(whereSeparator: \.isNewline).prefix(20)
        if lines.contains(where: { $0.hasPrefix("TY  - ") }) { return .ris }
        if lines.contains(where: { $0.hasPrefix("PMID- ") }) { return .medline }
        return nil
    }
}
