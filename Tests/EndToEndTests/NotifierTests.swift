import EvidenceModel
import Foundation
import GRDB
import SyntheticData
import TestHarness
import Testing
import WireProtocol

/// Settings for a notifier under test: loopback webhooks allowed, quick retries, and debug
/// lines, which say when a stream subscriber has joined.
let notifierTestArguments = ["--allow-private-webhooks", "--webhook-attempts", "3", "--webhook-backoff-ms", "20",
                             "--pause-after", "2", "--stream-grace-ms", "300", "--log-level", "debug"]

/// Waits until the notifier has seen a stream subscription to `watch` (PUB/SUB drops what is
/// published before that: the slow joiner).
func waitForSubscriber(_ set: LocalSet, watch: String) async throws {
    try await set.process("notifier")!.waitForLine("stream subscriber joined", "watch=\(watch)")
}

/// Waits until every watch has dealt with every change the store has: all matches are out.
func waitUntilWatchesCaughtUp(_ set: LocalSet) async throws {
    try await eventually("every watch has dealt with every change") {
        let list = try await watches(set)
        return list.storeHead > 0 && list.watches.allSatisfy { $0.lag == 0 && $0.paused == nil }
    }
}

func watches(_ set: LocalSet) async throws -> WatchListReply {
    try await request(set.notifier, Request(type: MessageType.watchList, id: UUID().uuidString)).decode(WatchListReply.self)
}

func secret(from output: String) -> String? {
    output.split(separator: "\n").first { $0.hasPrefix("Webhook secret") }?.split(separator: " ").last.map(String.init)
}

@Suite("Notifier: watches, stream, webhooks", .serialized)
struct NotifierTests {
    @Test("A watch gets exactly the matching new records, on the stream and by signed webhook; replay delivers them again")
    func streamAndWebhook() async throws {
        let set = try await LocalSet.start(extraArguments: ["notifier": notifierTestArguments])
        let receiver = try await WebhookReceiver()
        let added = try await ldn(["watch", "add", "ms-trials", "--condition", "multiple sclerosis", "--design", "crossover-rct",
                                   "--webhook", receiver.url, "--notifier", set.notifier])
        #expect(added.status == 0, "\(added.stderr)")
        try receiver.setSecret(try #require(secret(from: added.stdout)))
        let follow = try ServiceProcess("ldn", ["watch", "follow", "ms-trials", "--stream", set.stream, "--notifier", set.notifier], captureOutput: true)
        try await follow.waitForLine("following watch")
        try await waitForSubscriber(set, watch: "ms-trials")

        let dataset = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("data/ldn-evidence.jsonl").path
        #expect(try await ldn(["submit", dataset, "--ingest", set.ingest]).status == 0)

        // In the dataset, two multiple-sclerosis studies are crossover trials: Cree 2010 and Sharafaddinzadeh 2010.
        try await eventually("two webhook deliveries") { receiver.deliveries.count == 2 }
        try await eventually("two stream lines") { follow.output.count == 2 }
        #expect(follow.output[0].contains("Pilot trial of low-dose naltre"), "\(follow.output)")
        #expect(follow.output[1].contains("The effect of low-dose naltrexone on quality"), "\(follow.output)")
        #expect(follow.output.allSatisfy { $0.count <= 80 })
        let deliveries = receiver.deliveries
        #expect(deliveries.allSatisfy { $0.signatureOK && $0.status == 200 })
        #expect(deliveries.map(\.deliveryID) == deliveries.map { "ms-trials-\($0.seq)" })
        try await waitUntilWatchesCaughtUp(set)
        #expect(receiver.deliveries.count == 2, "nothing else matched")

        let replay = try await ldn(["watch", "replay", "ms-trials", "--from", "1", "--notifier", set.notifier])
        #expect(replay.status == 0, "\(replay.stderr)")
        try await eventually("the replay's two deliveries") { receiver.deliveries.count == 4 }
        #expect(receiver.deliveries.suffix(2).map(\.deliveryID) == deliveries.map(\.deliveryID), "same idempotency keys")

        follow.signal(SIGINT)
        #expect(try await follow.waitForExit() == 0)
        #expect(follow.log.last?.contains("stopped following \"ms-trials\"") == true)
        _ = try await set.stop()
    }

    @Test("kill -9 the notifier during a load; restarted, it delivers every matching change, none twice")
    func crashDuringLoad() async throws {
        let set = try await LocalSet.start(extraArguments: ["notifier": notifierTestArguments])
        #expect(try await ldn(["watch", "add", "crohns", "--condition", "crohns", "--notifier", set.notifier]).status == 0)
        let follow = try ServiceProcess("ldn", ["watch", "follow", "crohns", "--json", "--stream", set.stream, "--notifier", set.notifier], captureOutput: true)
        try await follow.waitForLine("following watch")
        try await waitForSubscriber(set, watch: "crohns")

        let count = 2000
        let file = try temporaryFile("load.jsonl", SyntheticRecords.jsonLines(0..<count))
        async let load = ldn(["submit", file, "--batch-size", "20", "--in-flight", "1", "--ingest", set.ingest])
        try await eventually("some deliveries before the crash") { follow.output.count >= 40 }
        try await set.kill9("notifier")
        try await set.start("notifier")
        #expect(try await load.status == 0)

        let expected = (0..<count).filter { $0 % 8 == 0 }.count  // synthetic record n is about condition n % 8; crohns first
        try await eventually("every match delivered (\(expected))", timeout: .seconds(60)) { follow.output.count >= expected }
        try await waitUntilWatchesCaughtUp(set)  // so any repeat would have been published by now
        let matches = follow.output.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let seqs = matches.compactMap { (($0["match"] as? [String: Any])?["change"] as? [String: Any])?["seq"] as? Int }
        #expect(matches.count == expected, "none twice, none missing")
        #expect(Set(seqs).count == expected)
        #expect(!follow.log.contains { $0.contains("dropped") }, "\(follow.log)")
        let list = try await watches(set)
        #expect(list.watches.first?.lag == 0 && list.watches.first?.delivered == expected)
        follow.signal(SIGINT)
        _ = try await follow.waitForExit()
        _ = try await set.stop()
    }

    @Test("A failing receiver is retried, then dead-lettered; the watch pauses; the notifier stays healthy; resume continues")
    func failingWebhook() async throws {
        let set = try await LocalSet.start(extraArguments: ["notifier": notifierTestArguments])
        let receiver = try await WebhookReceiver(failFirst: 6, failStatus: 503)
        let added = try await ldn(["watch", "add", "fibro", "--condition", "fibromyalgia", "--webhook", receiver.url,
                                   "--no-stream", "--notifier", set.notifier])
        try receiver.setSecret(try #require(secret(from: added.stdout)))
        let records = (0..<24).filter { $0 % 8 == 2 }.prefix(3)  // three fibromyalgia records (synthetic)
        let file = try temporaryFile("fibro.jsonl", records.map { String(decoding: SyntheticRecords.record($0).jsonData, as: UTF8.self) }
            .joined(separator: "\n"))
        #expect(try await ldn(["submit", file, "--ingest", set.ingest]).status == 0)

        try await eventually("two dead letters, then paused") {
            let watch = try await watches(set).watches.first
            return watch?.deadLetters == 2 && watch?.paused != nil
        }
        #expect(receiver.deliveries.count == 6, "3 attempts for each of 2 deliveries; the third waits")
        #expect(Set(receiver.deliveries.prefix(3).map(\.deliveryID)).count == 1, "retries keep the idempotency key")
        let listed = try await ldn(["watch", "list", "--notifier", set.notifier])
        #expect(listed.stdout.contains("paused") && listed.stdout.contains("Dead letters"), "\(listed.stdout)")
        #expect(listed.stdout.contains("3 attempts, HTTP 503"))
        #expect(set.process("notifier")!.log.contains { $0.contains("webhook refused") && $0.contains("status=503") })
        #expect(try await status(set.notifier).counters["dead_letters"] == 2)

        #expect(try await ldn(["watch", "resume", "fibro", "--notifier", set.notifier]).status == 0)
        try await eventually("the third delivered after resume") { receiver.deliveries.last?.status == 200 }
        let watch = try #require(try await watches(set).watches.first)
        #expect(watch.paused == nil && watch.lag == 0 && watch.delivered == 3 && watch.failures == 6)
        _ = try await set.stop()
    }

    @Test("Webhooks to loopback, private or other special-purpose addresses are refused unless allowed; only http and https; unknown watches are named")
    func targetPolicy() async throws {
        let set = try await LocalSet.start(["evidence-store", "notifier"])
        for url in ["http://127.0.0.1:9/x", "http://10.1.2.3/x", "http://169.254.169.254/latest", "http://localhost:8080/",
                    "http://192.0.2.1/x", "http://198.18.0.1/x", "http://192.0.0.8/x", "http://[ff02::1]/x",
                    "http://[64:ff9b::a9fe:a9fe]/latest", "http://[2002:7f00:1::]/x", "http://[::127.0.0.1]/x", "http://2130706433/x"] {
            let run = try await ldn(["watch", "add", "w", "--webhook", url, "--notifier", set.notifier])
            #expect(run.status == 1 && run.stderr.contains("not a public address"), "\(url): \(run.stderr)")
        }
        let carried = try await ldn(["watch", "add", "w", "--webhook", "http://[64:ff9b::a9fe:a9fe]/latest", "--notifier", set.notifier])
        #expect(carried.stderr.contains("NAT64 (64:ff9b::/96), carrying 169.254.169.254"), "\(carried.stderr)")
        let ftp = try await ldn(["watch", "add", "w", "--webhook", "ftp://example.org/x", "--notifier", set.notifier])
        #expect(ftp.stderr.contains("webhook must be an http or https URL"))
        let badName = try await ldn(["watch", "add", "no spaces", "--notifier", set.notifier])
        #expect(badName.status == 1 && badName.stderr.contains("a watch name is"))
        #expect(try await watches(set).watches.isEmpty)

        let unknown = try await ldn(["watch", "follow", "nosuch", "--stream", set.stream, "--notifier", set.notifier])
        #expect(unknown.status == 1 && unknown.stderr.contains("no watch named \"nosuch\""), "\(unknown.stderr)")
        _ = try await set.stop()
    }

    @Test("A webhook that answers 302 or 307 is not followed: the delivery fails, saying where it pointed, and the target gets nothing",
          .timeLimit(.minutes(2)))
    func redirectNotFollowed() async throws {
        let set = try await LocalSet.start(extraArguments: ["notifier": notifierTestArguments])
        // Bound to loopback only, as a service the notifier must not be turned against.
        let target = try await WebhookReceiver()
        var redirecting: [Int: WebhookReceiver] = [:]
        for status in [302, 307] {
            let receiver = try await WebhookReceiver(redirect: (status, target.url))
            redirecting[status] = receiver
            let added = try await ldn(["watch", "add", "hook-\(status)", "--condition", "fibromyalgia", "--webhook", receiver.url,
                                       "--no-stream", "--notifier", set.notifier])
            #expect(added.status == 0, "\(added.stderr)")
        }
        let file = try temporaryFile("fibro.jsonl", String(decoding: SyntheticRecords.record(2).jsonData, as: UTF8.self))  // fibromyalgia (synthetic)
        #expect(try await ldn(["submit", file, "--ingest", set.ingest]).status == 0)

        try await eventually("a dead letter for each watch") { try await watches(set).deadLetters.count == 2 }
        let list = try await watches(set)
        for status in [302, 307] {
            let letter = try #require(list.deadLetters.first { $0.watch == "hook-\(status)" })
            #expect(letter.lastStatus == status && letter.attempts == 1, "not retried: \(letter)")
            #expect(letter.lastError == "HTTP \(status) redirect to \(target.url) refused", "\(letter.lastError)")
            #expect(redirecting[status]?.deliveries.map(\.method) == ["POST"])
        }
        try await waitUntilWatchesCaughtUp(set)
        #expect(target.deliveries.isEmpty, "neither GET nor POST reached it: \(target.deliveries.map(\.method))")
        #expect(set.process("notifier")!.log.contains { $0.contains("webhook redirect refused") && $0.contains("status=307") })
        let listed = try await ldn(["watch", "list", "--notifier", set.notifier])
        #expect(listed.stdout.contains("redirect to \(target.url) refused"), "\(listed.stdout)")
        #expect(try await set.stop()["notifier"] == 0, "a clean stop after webhooks")
    }

    @Test("After an upgrade, a watch whose secret was stored in clear still gets signed webhooks; its secret is then sealed with a key made at start",
          .timeLimit(.minutes(2)))
    func plaintextSecretUpgraded() async throws {
        let set = try await LocalSet.start(extraArguments: ["notifier": notifierTestArguments])
        let receiver = try await WebhookReceiver()
        let added = try await ldn(["watch", "add", "fibro", "--condition", "fibromyalgia", "--webhook", receiver.url,
                                   "--no-stream", "--notifier", set.notifier])
        let given = try #require(secret(from: added.stdout))
        try receiver.setSecret(given)
        let folder = URL(fileURLWithPath: set.layout.dataDirectory("notifier"))
        let database = folder.appendingPathComponent("notifier.sqlite").path
        let keyFile = folder.appendingPathComponent("webhook-secrets.key")
        #expect(try await storedSecret(database)?.hasPrefix("sealed:v1:") == true, "sealed from the start")
        #expect(try FileManager.default.attributesOfItem(atPath: keyFile.path)[.posixPermissions] as? Int == 0o600)

        // The database as a release before sealed secrets left it: the secret in clear, and no key.
        #expect(try await set.process("notifier")!.stop() == 0)
        try await DatabaseQueue(path: database).write { db in try db.execute(sql: "UPDATE watches SET secret = ?", arguments: [given]) }
        try FileManager.default.removeItem(at: keyFile)
        try await set.start("notifier")

        let file = try temporaryFile("fibro.jsonl", String(decoding: SyntheticRecords.record(2).jsonData, as: UTF8.self))  // fibromyalgia (synthetic)
        #expect(try await ldn(["submit", file, "--ingest", set.ingest]).status == 0)
        try await eventually("the delivery") { receiver.deliveries.count == 1 }
        #expect(receiver.deliveries.first?.signatureOK == true, "signed with the secret given at watch.add")
        let column = try #require(try await storedSecret(database))
        #expect(column.hasPrefix("sealed:v1:") && !column.contains(given), "\(column)")
        #expect(FileManager.default.fileExists(atPath: keyFile.path), "a new key, made at start")
        _ = try await set.stop()
    }

    @Test("--secrets-key: the operator's key file seals the secrets (none is made in the data folder); a file that holds no key stops the notifier at start")
    func secretsKeyOption() async throws {
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let keyFile = try temporaryFile("webhook-secrets.key", key + "\n")
        let set = try await LocalSet.start(["evidence-store", "notifier"],
                                           extraArguments: ["notifier": notifierTestArguments + ["--secrets-key", keyFile]])
        let added = try await ldn(["watch", "add", "hook", "--webhook", "http://127.0.0.1:9/hook", "--no-stream", "--notifier", set.notifier])
        let given = try #require(secret(from: added.stdout))
        let folder = URL(fileURLWithPath: set.layout.dataDirectory("notifier"))
        let column = try #require(try await storedSecret(folder.appendingPathComponent("notifier.sqlite").path))
        #expect(column.hasPrefix("sealed:v1:") && !column.contains(given))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("webhook-secrets.key").path))
        #expect(try await set.process("notifier")!.stop() == 0)

        let notAKey = try temporaryFile("webhook-secrets.key", "not a key\n")
        let refused = try ServiceProcess("ldn-notifier", set.layout.arguments("notifier"), environment: ["LDN_SECRETS_KEY": notAKey])
        #expect(try await refused.waitForExit() == 1)
        #expect(refused.log.contains { $0.contains("cannot start") && $0.contains("32 bytes in base64 on one line") }, "\(refused.log)")
        _ = try await set.stop()
    }
}

/// The first watch's `secret` column, read from the notifier's database file directly.
func storedSecret(_ database: String) async throws -> String? {
    try await DatabaseQueue(path: database).read { db in try String.fetchOne(db, sql: "SELECT secret FROM watches") }
}
