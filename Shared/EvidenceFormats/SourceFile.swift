import Foundation
import WireProtocol

/// What `SourceFile.read` found in one file.
public struct SourceFileContents: Sendable {
    public var format: InputFormat
    public var records: [SourceRecord]
    /// Things worth telling the user that do not stop the load ("read as Latin-1").
    public var warnings: [String]
}

/// Reads a file of records in any supported format. The whole file is read and checked
/// before anything is sent, so a malformed file is never half loaded.
public enum SourceFile {
    /// - Parameter allowPartial: keep bibliographic records whose design or conditions cannot
    ///   be worked out, for review, instead of rejecting them.
    public static func read(path: String, format: InputFormat? = nil,
                            allowPartial: Bool = false) throws(FormatError) -> SourceFileContents {
        let name = path
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read (permissions?)" : "no such file"
            throw FormatError(file: name, message: reason)
        }
        let decoded = try TextDecoding.decode(data, file: name)
        guard let format = format ?? InputFormat.detect(path: path, text: decoded.text) else {
            throw FormatError(file: name, message: "cannot tell the format; name it with --format (\(InputFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let records: [SourceRecord]
        switch format {
        case .json: records = try JSONRecords.read(decoded.text, file: name)
        case .jsonl: records = try JSONLinesRecords.read(decoded.text, file: name)
        case .csv: records = try CSVRecords.read(decoded.text, file: name)
        case .ris, .medline, .pubmedXML, .ctgov:
            let citations: [Citation]
            do {
                citations = try readCitations(format, text: decoded.text, data: data)
            } catch {
                throw FormatError(file: name, line: error.line, message: error.message)
            }
            // Each citation maps on its own (vocabulary lookups, design inference, canonical JSON).
            records = citations.concurrentMap { index, citation in
                record(citation, number: index + 1, file: name, format: format, allowPartial: allowPartial)
            }
        }
        return SourceFileContents(format: format, records: records, warnings: decoded.warnings)
    }

    /// One citation mapped as `read` maps it (`number`: its 1-based position in `file`), for
    /// callers that read citations from elsewhere than a file: the harvester's API pages.
    public static func record(_ citation: Citation, number: Int, file: String, format: InputFormat,
                              allowPartial: Bool) -> SourceRecord {
        CitationMapping.record(citation, number: number, file: file, format: format, allowPartial: allowPartial)
    }

    private static func readCitations(_ format: InputFormat, text: String,
                                      data: Data) throws(BibliographicSyntaxError) -> [Citation] {
        switch format {
        case .ris: try RISReader.read(text)
        // The XML parser reads the bytes itself, honouring the file's encoding declaration.
        case .pubmedXML: try PubMedXMLReader.read(data)
        case .medline: try MedlineReader.read(text)
        case .ctgov: try ClinicalTrialsReader.read(text)
        case .json, .jsonl, .csv: []
        }
    }
}
