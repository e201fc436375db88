import Foundation

/// `Tests/python/webhook_receiver.py` as a child process: a loopback HTTP server that
/// checks each delivery's signature as docs/PROTOCOL.md tells receivers to, and records it.
public final class WebhookReceiver: Sendable {
    public let url: String
    public let secretFile: URL
    private let logFile: URL
    private let process: ServiceProcess

    /// One request the receiver got, whatever its method.
    public struct Delivery: Sendable {
        public let method: String
        public let path: String
        /// The Host header: the name the sender asked for, whatever address it connected to.
        public let host: String
        public let headers: [String: String]
        public let body: [String: any Sendable]
        /// The body as JSON, for members that are objects (`body` shows them as text).
        public let bodyJSON: Data
        public let signatureOK: Bool
        public let status: Int

        public var seq: Int64 { Int64(headers.first { $0.key.lowercased() == "x-ldn-sequence" }?.value ?? "") ?? -1 }
        public var deliveryID: String { headers.first { $0.key.lowercased() == "x-ldn-delivery" }?.value ?? "" }
    }

    /// Starts a receiver that answers the first `failFirst` requests with `failStatus`, the rest
    /// with 200; or, given `redirect`, every request with that status and Location. Given
    /// `tls` (PEM files), it speaks HTTPS.
    public init(failFirst: Int = 0, failStatus: Int = 500, redirect: (status: Int, location: String)? = nil,
                tls: (certificate: String, key: String)? = nil) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-webhook-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        logFile = directory.appendingPathComponent("deliveries.jsonl")
        secretFile = directory.appendingPathComponent("secret")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/webhook_receiver.py").path
        process = try ServiceProcess("/usr/bin/env", ["python3", script, "--secret-file", secretFile.path, "--log", logFile.path,
                                                      "--fail-first", String(failFirst), "--fail-status", String(failStatus)]
                                         + (redirect.map { ["--redirect-status", String($0.status), "--redirect-to", $0.location] } ?? [])
                                         + (tls.map { ["--tls-cert", $0.certificate, "--tls-key", $0.key] } ?? []),
                                     captureOutput: true)
        let deadline = ContinuousClock.now + .seconds(10)
        while process.output.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        guard let port = process.output.first?.split(separator: " ").last else {
            throw TestFailure("the webhook receiver did not start: \(process.log)")
        }
        url = "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)/hook"
    }

    deinit { process.signal(SIGKILL) }

    /// Gives the receiver the secret `ldn watch add` printed, to check signatures with.
    public func setSecret(_ secret: String) throws {
        try Data(secret.utf8).write(to: secretFile)
    }

    public var deliveries: [Delivery] {
        guard let text = try? String(contentsOf: logFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return Delivery(method: object["method"] as? String ?? "", path: object["path"] as? String ?? "",
                            host: object["host"] as? String ?? "", headers: object["headers"] as? [String: String] ?? [:],
                            body: (object["body"] as? [String: Any] ?? [:]).mapValues { "\($0)" },
                            bodyJSON: (try? JSONSerialization.data(withJSONObject: object["body"] ?? [:])) ?? Data(),
                            signatureOK: object["signature_ok"] as? Bool ?? false, status: object["status"] as? Int ?? 0)
        }
    }
}
