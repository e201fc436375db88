import Foundation

/// Plain TCP to a loopback port, byte for byte: to scrape `/metrics` as Prometheus does and to
/// send what no HTTP client would. Blocking calls run off the cooperative pool (`offPool`).
public enum RawHTTP {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Connects to 127.0.0.1:`port`, sends `bytes`, and reads until the server closes the
    /// connection or `timeout` passes; returns what arrived and whether the server closed it.
    public static func exchange(port: Int, send bytes: [UInt8], timeout: Duration = .seconds(5),
                                halfClose: Bool = false) async throws -> (response: [UInt8], closed: Bool) {
        try await offPool {
            let socket = try connect(port: port)
            defer { close(socket) }
            var sent = 0
            while sent < bytes.count {
                let n = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { break }  // the server closed on us (a refused request): read its answer
                sent += n
            }
            if halfClose { shutdown(socket, Int32(SHUT_WR)) }
            return try readUntilClosed(socket, timeout: timeout)
        }
    }

    /// `GET path` with `Connection: close`: the status code and the body.
    public static func get(port: Int, path: String = "/metrics", method: String = "GET") async throws -> (status: Int, headers: String, body: String) {
        let (response, _) = try await exchange(port: port, send: Array("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
        let text = String(decoding: response, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n"), let code = Int(text.split(separator: " ").dropFirst().first ?? "") else {
            throw Failure(description: "not an HTTP response: \(text.prefix(200))")
        }
        return (code, String(text[..<split.lowerBound]), String(text[split.upperBound...]))
    }

    /// A connection that stays open, to hold the server's attention; close it with `close`.
    public static func connect(port: Int) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            Glibc.close(socket)
            throw Failure(description: "connect to 127.0.0.1:\(port): errno \(errno)")
        }
        return socket
    }

    private static func readUntilClosed(_ socket: Int32, timeout: Duration) throws -> (response: [UInt8], closed: Bool) {
        let deadline = ContinuousClock.now + timeout
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline {
            var poll = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let left = deadline - ContinuousClock.now
            let ready = Glibc.poll(&poll, 1, Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)))
            if ready <= 0 { continue }
            let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return (response, true) }  // closed (or reset)
            response += buffer[..<n]
        }
        return (response, false)
    }
}

/// A `/metrics` page, read: each series' value by name and labels.
public struct MetricsPage: Sendable {
    public let text: String
    private let values: [String: Double]

    public init(_ text: String) {
        self.text = text
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            values[Self.key(String(line[..<space]))] = value
        }
        self.values = values
    }

    /// The value of `name` with exactly these labels; nil when the page has no such series.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        values[Self.key(name, labels)]
    }

    /// Series and labels in one order, whatever order the page wrote the labels in.
    private static func key(_ series: String) -> String {
        guard let open = series.firstIndex(of: "{"), series.hasSuffix("}") else { return series }
        var labels: [String: String] = [:]
        for pair in series[series.index(after: open)..<series.index(before: series.endIndex)].split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { labels[String(parts[0])] = String(parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))) }
        }
        return key(String(series[..<open]), labels)
    }

    private static func key(_ name: String, _ labels: [String: String]) -> String {
        labels.isEmpty ? name : name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
    }
}

extension RawHTTP {
    /// Scrapes `GET /metrics` and reads it; fails unless the answer is 200.
    public static func scrape(port: Int) async throws -> MetricsPage {
        let (status, _, body) = try await get(port: port)
        guard status == 200 else { throw Failure(description: "GET /metrics answered \(status): \(body.prefix(200))") }
        return MetricsPage(body)
    }

    /// The port of a runtime's `metrics` endpoint (`http://127.0.0.1:PORT/metrics`).
    public static func port(ofMetricsURL url: String?) throws -> Int {
        guard let url, let port = URLComponents(string: url)?.port else { throw Failure(description: "no metrics endpoint: \(url ?? "nil")") }
        return port
    }
}
