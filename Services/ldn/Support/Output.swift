import Foundation
import WireProtocol

/// How the client prints: results on standard output, problems on standard error.
enum Output {
    static func json<Value: Encodable>(_ value: Value) {
        print(String(decoding: (try? WireJSON.encoder(pretty: true).encode(value)) ?? Data("null".utf8), as: UTF8.self))
    }

    /// One line on standard output, written at once (not buffered): for output that
    /// someone — or a pipe — reads while the command runs.
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("ldn: " + message + "\n").utf8))
    }

    /// "3d 4h", "2h 05m", "4m 09s", "12s".
    static func duration(seconds: Double) -> String {
        let total = Int(seconds)
        let (days, hours, minutes, secs) = (total / 86400, total % 86400 / 3600, total % 3600 / 60, total % 60)
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(String(format: "%02d", minutes))m" }
        if minutes > 0 { return "\(minutes)m \(String(format: "%02d", secs))s" }
        return "\(secs)s"
    }

    /// "2 s", "0.5 s".
    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    /// The login name: $USER, else the password database's entry for this user.
    static var userName: String {
        if let user = ProcessInfo.processInfo.environment["USER"], !user.isEmpty { return user }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "unknown"
    }

    static func requestID() -> String { "ldn-" + UUID().uuidString.lowercased().prefix(18) }
}
