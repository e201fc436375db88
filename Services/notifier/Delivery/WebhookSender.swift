import Crypto
import EvidenceModel
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
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
    /// 408 and 429 is not retried) or runs out of attempts. Logs a line per attempt (DEBUG when it succeeds).
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
                _ = try policy.check(url.absoluteString)  // the host may resolve elsewhere by now
                let status = try await post(match, body: body, to: url, secret: secret)
                let withStatus = metadata.merging(["status": "\(status)"]) { $1 }
                if (200..<300).contains(status) {
                    logger.debug("webhook delivered", metadata: withStatus)
                    return .delivered(status: status, attempt: attempt)
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

    private func post(_ match: MatchHeader, body: Data, to url: URL, secret: String) async throws -> Int {
        var request = URLRequest(url: url, timeoutInterval: Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        request.httpMethod = "POST"
        let timestamp = String(Int(Date().timeIntervalSince1970))
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(match.watch, forHTTPHeaderField: "X-LDN-Watch")
        request.setValue(String(match.change.seq), forHTTPHeaderField: "X-LDN-Sequence")
        request.setValue("\(match.watch)-\(match.change.seq)", forHTTPHeaderField: "X-LDN-Delivery")
        request.setValue(timestamp, forHTTPHeaderField: "X-LDN-Timestamp")
        request.setValue(Self.signature(secret: secret, timestamp: timestamp, body: body), forHTTPHeaderField: "X-LDN-Signature")
        request.httpBody = body
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    /// The JSON body of a webhook: the match header's fields and the record.
    static func body(_ match: MatchHeader, record: Data) -> Data {
        var output = JSONOutput()
        output.object { o in
            o.field("watch", match.watch)
            o.field("delivery", match.delivery)
            o.field("delivery_id", "\(match.watch)-\(match.change.seq)")
            o.field("change", match.change)
            o.key("record")
            o.value(raw: record)
        }
        return Data(output.bytes)
    }
}
