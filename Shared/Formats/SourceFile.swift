import Foundation
import WireProtocol

/// Reads a file of records in any supported format.
public enum SourceFile {
    public static func read(path: String, format: InputFormat? = nil) throws(FormatError) -> [SourceRecord] {
        let name = path
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read (permissions?)" : "no such file"
            throw FormatError(file: name, message: reason)
        }
        guard let format = format ?? InputFormat.guess(path: path) ?? sniff(data) else {
            throw FormatError(file: name, message: "cannot tell the format; name it with --format (\(InputFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let text = try TextDecoding.decode(data, file: name)
        switch format {
        case .json: return try JSONRecords.read(text, file: name)
        case .jsonl: return try JSONLinesRecords.read(text, file: name)
        case .csv: return try CSVRecords.read(text, file: name)
        }
    }

    /// A guess from the content, for files without a telling extension.
    static func sniff(_ data: Data) -> InputFormat? {
        let text = String(decoding: data.prefix(4096), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("[") { return .json }
        if text.hasPrefix("{") { return text.contains("\n{") ? .jsonl : .json }
        return nil
    }
}

enum TextDecoding {
    /// UTF-8, with or without a byte order mark.
    static func decode(_ data: Data, file: String) throws(FormatError) -> String {
        var bytes = data[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw FormatError(file: file, message: "is not UTF-8 text")
        }
        return text
    }
}
