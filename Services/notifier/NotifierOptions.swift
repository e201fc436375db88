import ArgumentParser
import Foundation
import ServiceKit

struct NotifierOptions: ParsableArguments {
    @Option(help: "Where to answer watch requests (env LDN_NOTIFIER_BIND).")
    var bind = Setting.string("LDN_NOTIFIER_BIND", default: DefaultEndpoint.notifierRequests)

    @Option(help: "Where to publish matches for `ldn watch follow` (env LDN_NOTIFIER_STREAM_BIND).")
    var streamBind = Setting.string("LDN_NOTIFIER_STREAM_BIND", default: DefaultEndpoint.notifierStream)

    @Option(help: "The evidence-store's request endpoint (env LDN_STORE_ENDPOINT).")
    var store = Setting.string("LDN_STORE_ENDPOINT", default: DefaultEndpoint.storeRequests)

    @Option(help: "The evidence-store's change feed (env LDN_STORE_FEED_ENDPOINT).")
    var feed = Setting.string("LDN_STORE_FEED_ENDPOINT", default: DefaultEndpoint.storeFeed)

    @Option(help: "Folder for watches and delivery cursors (env LDN_DATA_DIR).")
    var dataDir = Setting.string("LDN_DATA_DIR", default: DefaultEndpoint.dataDirectory)

    @Option(help: "Stream messages queued per subscriber; beyond that they are dropped and counted (env LDN_NOTIFIER_STREAM_HWM).")
    var streamHighWaterMark = Setting.int("LDN_NOTIFIER_STREAM_HWM", default: 10_000)

    @Option(help: "Milliseconds to wait after a start before delivering, so stream subscribers can reconnect (env LDN_NOTIFIER_STREAM_GRACE_MS).")
    var streamGraceMs = Setting.int("LDN_NOTIFIER_STREAM_GRACE_MS", default: 500)

    @Option(help: "Attempts per webhook delivery before it becomes a dead letter (env LDN_WEBHOOK_ATTEMPTS).")
    var webhookAttempts = Setting.int("LDN_WEBHOOK_ATTEMPTS", default: 5)

    @Option(help: "Milliseconds before the first webhook retry; doubled each time, with jitter (env LDN_WEBHOOK_BACKOFF_MS).")
    var webhookBackoffMs = Setting.int("LDN_WEBHOOK_BACKOFF_MS", default: 500)

    @Option(help: "Seconds to wait for a webhook receiver (env LDN_WEBHOOK_TIMEOUT).")
    var webhookTimeout = Setting.double("LDN_WEBHOOK_TIMEOUT", default: 5)

    @Option(help: "Dead letters in a row that pause a watch's webhook (env LDN_WEBHOOK_PAUSE_AFTER).")
    var pauseAfter = Setting.int("LDN_WEBHOOK_PAUSE_AFTER", default: 3)

    @Option(help: "File with the key that seals webhook secrets in the watch database: 32 bytes in base64 on one line (env LDN_SECRETS_KEY). Default: webhook-secrets.key in --data-dir, made at first start.")
    var secretsKey = Setting.string("LDN_SECRETS_KEY", default: "")

    @Flag(help: "Allow webhooks to loopback, private and link-local addresses (env LDN_WEBHOOK_ALLOW_PRIVATE=1). For tests and closed networks only.")
    var allowPrivateWebhooks = Setting.string("LDN_WEBHOOK_ALLOW_PRIVATE", default: "0") == "1"

    /// The key file in effect.
    func secretsKeyFile(_ dataDirectory: URL) -> URL {
        secretsKey.isEmpty ? dataDirectory.appendingPathComponent(SecretSealer.fileName) : URL(fileURLWithPath: secretsKey)
    }

    func validate() throws {
        guard webhookAttempts >= 1 else { throw ValidationError("--webhook-attempts must be at least 1") }
        guard webhookBackoffMs >= 0 else { throw ValidationError("--webhook-backoff-ms must be 0 or more") }
        guard webhookTimeout > 0 else { throw ValidationError("--webhook-timeout must be above 0") }
        guard pauseAfter >= 1 else { throw ValidationError("--pause-after must be at least 1") }
    }
}
