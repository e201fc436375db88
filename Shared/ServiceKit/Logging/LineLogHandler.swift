import Foundation
import Logging

public enum LogFormat: String, CaseIterable, Sendable {
    /// `2026-11-29T09:40:12.345Z store info committed records=12 seq=480`
    case text
    /// One JSON object a line: `{"ts":…,"service":"store","level":"info","msg":"committed",…}`
    case json
}

/// Writes each event as exactly one line on standard error, with time, service, level,
/// message and the metadata as `key=value` pairs (or JSON members), keys sorted.
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    let service: String
    let format: LogFormat

    public init(service: String, format: LogFormat, level: Logger.Level) {
        self.service = service
        self.format = format
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let line = format == .json
            ? jsonLine(event.level, event.message.description, merged)
            : textLine(event.level, event.message.description, merged)
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        // One write per line, so lines from several threads never interleave.
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    func textLine(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) -> String {
        var line = "\(timestamp()) \(service) \(level) \(singleLine(message))"
        for key in metadata.keys.sorted() {
            line += " \(key)=\(quoted(singleLine(metadata[key]!.description)))"
        }
        return line
    }

    func jsonLine(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) -> String {
        var object: [String: String] = metadata.mapValues(\.description)
        object["ts"] = timestamp()
        object["service"] = service
        object["level"] = level.rawValue
        object["msg"] = message
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(object), as: UTF8.self)) ?? "{\"msg\":\"unencodable log line\"}"
    }

    func timestamp() -> String {
        Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))  // UTC: 2026-11-29T09:54:13.755Z
    }

    func singleLine(_ text: String) -> String {
        text.contains(where: \.isNewline) ? text.split(whereSeparator: \.isNewline).joined(separator: " ⏎ ") : text
    }

    func quoted(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
