import AsyncHTTPClient
import Crypto
import EvidenceModel
import Foundation
import Client
import Logging
import WireProtocol

/// Posts matches to webhooks the way receivers expect: JSON, signed, with an idempotency
/// key, a timeout, and retries with exponential backoff and jitter (`Backoff`).
///
/// Headers: `X-LDN-Watch`, `X-LDN-Sequence`, `X-LDN-Delivery` (the idempotency key:
/// `<watch>-<seq>`, the same on every attempt and on replays), `X-LDN-Timestamp` (Unix
/// seconds) and `X-LDN-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" with the watch's secret>`.
struct WebhookSender: Sendable {
    let attempts: Int
    /// Waits between attempts: `--webhook-backoff-ms` doubling, ±50 % jitter.
    let backoff: Backoff
    let timeout: Duration
    let policy: TargetPolicy
    let transport: WebhookTransport

    enum Outcome: Sendable {
        case delivered(status: Int, attempt: Int)
        case failed(lastStatus: Int?, lastError: String, attempts: Int)
        /// Shutdown came first; the match is delivered again after the restart.
        case interrupted
    }

    static func signature(secret: String, timestamp: String, body: Data) -> String {
        let key = SymmetricKey(data: Data(secret.utf8))
        let code = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).".utf8) + body, using: key)
        return "v1=" + code.map { String(format: "%02x", $0) }.joined()
    }

    /// Delivers one match, retrying until it succeeds, fails for good (a 4xx other than
    /// 408 and 429, or a redirect, is not retried) or runs out of attempts. Logs a line per
    /// attempt (DEBUG when it succeeds).
    func deliver(_ match: MatchHeader, body: Data, to url: URL, secret: String, logger: Logger) async -> Outcome {
        var lastStatus: Int?
        var lastError = ""
        for attempt in 1...attempts {
            if attempt > 1 {
                try? await Task.sleep(for: backoff.delay(afterFailures: attempt - 1))
                if Task.isCancelled { return .interrupted }
            }
            let metadata: Logger.Metadata = ["watch": "\(match.watch)", "seq": "\(match.change.seq)",
                                             "record.key": "\(match.change.key)", "attempt": "\(attempt)",
                                             "request.id": "\(match.change.requestID ?? "-")"]
            do {
                // Looked up and checked again on every attempt (the name may point elsewhere by
                // now); the attempt connects to the very address checked.
                let destination = try await policy.destination(for: url)
                let answer = try await transport.send(Self.request(match, body: body, to: url, secret: secret), to: destination,
                                                      timeout: timeout)
                let status = answer.status
                let withStatus = metadata.merging(["status": "\(status)", "address": "\(destination.address)"]) { $1 }
                if (200..<300).contains(status) {
                    logger.debug("webhook delivered", metadata: withStatus)
                    return .delivered(status: status, attempt: attempt)
                }
                if (300..<400).contains(status) {
                    // Following it would send the match (or a GET) wherever the receiver says,
                    // past the address policy: a redirect is an answer, and a failure.
                    lastError = Self.redirectRefused(status: status, location: answer.location)
                    logger.info("webhook redirect refused", metadata: withStatus.merging(["error": "\(lastError)"]) { $1 })
                    return .failed(lastStatus: status, lastError: lastError, attempts: attempt)
                }
                (lastStatus, lastError) = (status, "HTTP \(status)")
                logger.info("webhook refused", metadata: withStatus)
                if (400..<500).contains(status) && status != 408 && status != 429 { return .failed(lastStatus: status, lastError: lastError, attempts: attempt) }
            } catch {
                lastError = "\(error)"
                logger.info("webhook failed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            }
        }
        return .failed(lastStatus: lastStatus, lastError: lastError, attempts: attempts)
    }

    /// The signed POST of one match: a new timestamp, and a signature, for each attempt.
    static func request(_ match: MatchHeader, body: Data, to url: URL, secret: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        let timestamp = String(Int(Date().timeIntervalSince1970))
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-LDN-Watch", value: match.watch)
        request.headers.add(name: "X-LDN-Sequence", value: String(match.change.seq))
        request.headers.add(name: "X-LDN-Delivery", value: "\(match.watch)-\(match.change.seq)")
        request.headers.add(name: "X-LDN-Timestamp", value: timestamp)
        request.headers.add(name: "X-LDN-Signature", value: Self.signature(secret: secret, timestamp: timestamp, body: body))
        request.body = .bytes(body)
        return request
    }

    /// The error of a 3xx answer, as it goes into a log line and a dead letter: the receiver's
    /// Location in printable ASCII, at most 300 characters of it.
    static func redirectRefused(status: Int, location: String?) -> String {
        guard let location, !location.isEmpty else { return "HTTP \(status) redirect refused (no Location)" }
        var shown = String(location.unicodeScalars.prefix(300).map { (0x20..<0x7f).contains($0.value) ? Character($0) : "?" })
        if location.unicodeScalars.count > 300 { shown += "…" }
        return "HTTP \(status) redirect to \(shown) refused"
    }

    /// The JSON body of a webhook: the match header's fields, then the record (a plain
    /// watch) or the synthesis before and after (a synthesis watch).
    static func body(_ match: MatchHeader, _ payload: MatchPayload) -> Data {
        var output = JSONOutput()
        output.object { o in
            o.field("watch", match.watch)
            o.field("delivery", match.delivery)
            o.field("delivery_id", "\(match.watch)-\(match.change.seq)")
            o.field("change", match.change)
            o.key(payload.webhookMember)
            o.value(raw: payload.json)
        }
        return Data(output.bytes)
    }
}
