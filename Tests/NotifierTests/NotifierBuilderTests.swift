import EvidenceModel
import Foundation
import SyntheticData
import TestHarness
import Testing
import WireProtocol
@testable import EvidenceStore
@testable import Notifier

/// `makeNotifier`, what `ldn-notifier` runs, run inside the test process behind an
/// in-process store (`makeStore`).
@Suite("The notifier's builder, in process", .timeLimit(.minutes(1)))
struct NotifierBuilderTests {
    @Test("It answers status, keeps a watch and delivers the one new record that matches it")
    func watchAndDeliver() async throws {
        let layout = try ServiceLayout()
        defer { layout.removeData() }
        let (store, notifier) = (layout.store, layout.notifier)
        let storeOptions = try StoreOptions.parse(layout.arguments("evidence-store"))
        let notifierOptions = try NotifierOptions.parse(layout.arguments("notifier"))
        let records = try [5, 6].map { try #require(RecordIntake.evaluate(SyntheticRecords.record($0).jsonData).record) }
        #expect(records[0].conditions != records[1].conditions)

        try await withService("evidence-store", build: { try await makeStore(storeOptions, $0) }) { _ in
            try await withService("notifier", build: { try await makeNotifier(notifierOptions, $0) }) { _ in
                #expect(try await status(notifier).service == "notifier")
                func call<Body: Decodable>(_ type: String, _ body: some Encodable, as reply: Body.Type) async throws -> Body {
                    try await request(notifier, Request(type: type, id: UUID().uuidString, body: body)).decode(reply)
                }
                let filter = EvidenceFilter(condition: records[0].conditions[0])
                _ = try await call(MessageType.watchAdd, WatchAddRequest(name: "first", filter: filter), as: WatchAddReply.self)
                _ = try await write(records, to: store)
                try await eventually("the watch has seen both changes") {
                    (try? await call(MessageType.watchList, EmptyBody(), as: WatchListReply.self))?.watches.first?.cursor == 2
                }
                let watch = try #require(try await call(MessageType.watchList, EmptyBody(), as: WatchListReply.self).watches.first)
                #expect(watch.delivered == 1)
            }
        }
    }

    @Test("It delivers a signed webhook to a receiver, then stops cleanly: every HTTP client and thread it started is shut down")
    func webhookAndStop() async throws {
        let layout = try ServiceLayout()
        defer { layout.removeData() }
        let storeOptions = try StoreOptions.parse(layout.arguments("evidence-store"))
        let notifierOptions = try NotifierOptions.parse(layout.arguments("notifier") + ["--allow-private-webhooks"])
        let record = try #require(RecordIntake.evaluate(SyntheticRecords.record(5).jsonData).record)
        let receiver = try await WebhookReceiver()

        try await withService("evidence-store", build: { try await makeStore(storeOptions, $0) }) { _ in
            try await withService("notifier", build: { try await makeNotifier(notifierOptions, $0) }) { _ in
                let added = try await request(layout.notifier, Request(type: MessageType.watchAdd, id: UUID().uuidString, body: WatchAddRequest(
                    name: "hook", filter: EvidenceFilter(condition: record.conditions[0]), stream: false, webhook: receiver.url)))
                try receiver.setSecret(try #require(try added.decode(WatchAddReply.self).secret))
                _ = try await write([record], to: layout.store)
                try await eventually("the webhook delivered") { receiver.deliveries.count == 1 }
            }
        }
        #expect(receiver.deliveries.first?.signatureOK == true)
        let key = URL(fileURLWithPath: notifierOptions.dataDir).appendingPathComponent(SecretSealer.fileName).path
        #expect(FileManager.default.fileExists(atPath: key), "the key made at first start")
    }
}
