import AsyncHTTPClient
import Client
import Foundation
import Logging
import NIOCore

/// The one way a source talks HTTP: GETs to its configured base only, spaced by its rate
/// limiter, each bounded in time and size, retried on 429, 5xx, timeouts and transport
/// errors. Redirects are answers, not followed: a request never goes to a URL an answer named.
struct SourceHTTP: Sendable {
    /// "PubMed", "ClinicalTrials.gov": names the source in log lines.
    let name: String
    /// scheme://host[:port]/prefix, without a trailing slash, query or credentials.
    let base: String
    let client: HTTPClient
    let limiter: RateLimiter
    let configuration: SourceConfiguration
    let logger: Logger

    /// What came back, with the request as it may be shown (the API key hidden).
    struct Answer: Sendable {
        let body: Data
        let request: String
    }

    init(name: String, base: URL, rate: Double, client: HTTPClient, configuration: SourceConfiguration, logger: Logger) {
        self.name = name
        var components = URLComponents(url: base, resolvingAgainstBaseURL: false) ?? URLComponents()
        components.query = nil
        components.fragment = nil
        components.user = nil
        components.password = nil
        while components.path.hasSuffix("/") { components.path.removeLast() }
        self.base = components.string ?? base.absoluteString
        self.client = client
        limiter = RateLimiter(perSecond: rate)
        self.configuration = configuration
        self.logger = logger
    }

    /// GET base + "/" + `path` with `parameters`, in their order.
    func get(_ path: String, _ parameters: [(name: String, value: String)]) async throws(HarvestError) -> Answer {
        let url = base + "/" + path + Self.query(parameters)
        let shown = "GET " + base + "/" + path + Self.query(parameters, hidingKey: true)
        let backoff = Backoff(initial: configuration.firstBackoff, maximum: configuration.firstBackoff * 64, jitter: 0.8...1.2)
        var lastReason = "no attempt"
        for attempt in 1...configuration.attempts {
            do {
                try await limiter.admit()
            } catch {
                throw .unavailable(request: shown, reason: "cancelled", attempts: attempt - 1)
            }
            switch await exchange(url) {
            case .body(let body):
                return Answer(body: body, request: shown)
            case .refused(let status, let reason):
                throw .refused(request: shown, status: status, reason: redact(reason))
            case .unreadable(let reason):
                throw .malformed(request: shown, reason: redact(reason))
            case .retry(let reason, let hint):
                lastReason = redact(reason)
                if Task.isCancelled { throw .unavailable(request: shown, reason: "cancelled after \(lastReason)", attempts: attempt) }
                guard attempt < configuration.attempts else { break }
                let wait = hint.map { min($0, configuration.maximumRetryAfter) } ?? backoff.delay(afterFailures: attempt)
                logger.info("\(name) request failed; trying again", metadata: [
                    "request": "\(shown)", "error": "\(lastReason)", "attempt": "\(attempt)",
                    "retry.in.ms": "\(wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000)"])
                do {
                    try await Task.sleep(for: wait)
                } catch {
                    throw .unavailable(request: shown, reason: "cancelled after \(lastReason)", attempts: attempt)
                }
            }
        }
        throw .unavailable(request: shown, reason: lastReason, attempts: configuration.attempts)
    }

    private enum Outcome: Sendable {
        case body(Data)
        /// May pass: `after` is the server's `Retry-After`, if it gave one.
        case retry(String, after: Duration?)
        case refused(status: Int, reason: String)
        case unreadable(String)
    }

    /// One attempt, from sending to the last byte, within the configured timeout.
    private func exchange(_ url: String) async -> Outcome {
        let timeout = configuration.timeout
        do {
            return try await withThrowingTaskGroup(of: Outcome?.self) { group in
                group.addTask { try await self.send(url) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first ?? .retry("no complete answer within \(timeout)", after: nil)
            }
        } catch {
            return .retry(String(describing: error), after: nil)
        }
    }

    private func send(_ url: String) async throws -> Outcome {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "User-Agent", value: "ldn-harvester")
        let seconds = configuration.timeout.components
        let response = try await client.execute(
            request, deadline: .now() + .nanoseconds(seconds.seconds * 1_000_000_000 + seconds.attoseconds / 1_000_000_000))
        let status = Int(response.status.code)
        let retryAfter = RetryAfter.wait(response.headers.first(name: "Retry-After"))
        switch status {
        case 200..<300:
            let limit = configuration.maximumBodyBytes
            if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
                return .unreadable("the answer is \(length) bytes, more than the \(limit) allowed")
            }
            do {
                let buffer = try await response.body.collect(upTo: limit)
                return .body(Data(buffer.readableBytesView))
            } catch is NIOTooManyBytesError {
                return .unreadable("the answer is larger than the \(limit) bytes allowed")
            }
        case 300..<400:
            let location = response.headers.first(name: "Location").map(Self.printable) ?? "nowhere (no Location)"
            return .refused(status: status, reason: "a redirect to \(location), not followed: requests go only to the configured base")
        case 408, 429, 500...:
            return .retry("HTTP \(status)", after: retryAfter)
        default:
            let text = (try? await response.body.collect(upTo: 16 << 10)).map { String(buffer: $0) } ?? ""
            return .refused(status: status, reason: text.isEmpty ? "HTTP \(status)" : Self.printable(text))
        }
    }

    /// The text with the API key, wherever it appears, replaced by "***".
    func redact(_ text: String) -> String {
        guard let key = configuration.ncbiAPIKey, !key.isEmpty else { return text }
        return text.replacingOccurrences(of: key, with: "***")
    }

    /// At most 300 characters of `text`, in printable ASCII: a server's words go into log lines.
    static func printable(_ text: String) -> String {
        let scalars = text.unicodeScalars
        var shown = String(scalars.prefix(300).map { (0x20..<0x7f).contains($0.value) ? Character($0) : " " })
        if scalars.count > 300 { shown += "…" }
        return shown.trimmingCharacters(in: .whitespaces)
    }

    /// "?" and the query string (empty without parameters), each name and value percent-encoded
    /// but for RFC 3986's unreserved characters; `hidingKey`: `api_key=***`, to be shown.
    static func query(_ parameters: [(name: String, value: String)], hidingKey: Bool = false) -> String {
        guard !parameters.isEmpty else { return "" }
        return "?" + parameters.map {
            hidingKey && $0.name == "api_key" ? "api_key=***" : encode($0.name) + "=" + encode($0.value)
        }.joined(separator: "&")
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    private static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }
}
