import ArgumentParser

/// Where `/metrics` is served: `HOST:PORT` (`127.0.0.1:9100`, `0.0.0.0:9100`, `[::1]:9100`;
/// port 0 takes a free one). A host name is not accepted: the address bound is the one written.
public struct MetricsBind: Sendable, Equatable, CustomStringConvertible, ExpressibleByArgument {
    public let host: String
    public let port: Int

    public init?(argument: String) {
        guard let (host, port) = Self.split(argument) else { return nil }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Whether only this machine can reach it (127.0.0.0/8 or ::1).
    public var isLoopback: Bool { host == "::1" || host.hasPrefix("127.") }

    public static var defaultValueDescription: String { "off" }

    private static func split(_ text: String) -> (String, Int)? {
        let host: Substring, port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
            guard host.contains(":"), host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
            let parts = host.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4, parts.allSatisfy({ part in
                !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && UInt8(part) != nil
            }) else { return nil }
        }
        guard !port.isEmpty, port.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(port), number <= 65535 else {
            return nil
        }
        return (String(host), number)
    }
}
