import EvidenceModel
import Foundation
import GRDB
import MetaAnalysis
import SyntheticData
import TestHarness
import Testing
import WireProtocol
@testable import EvidenceStore
@testable import Notifier

/// Synthesis watches (issue 15) in a real notifier, built by `makeNotifier` in the test
/// process, following a real store built by `makeStore`. Every record is SYNTHETIC
/// (`SyntheticTrials`, `SyntheticRecords`).
///
/// Tests marked "pools" need `EvidenceSynthesis.synthesize`: until it is implemented its
/// placeholder pools nothing (k = 0) and they fail.
@Suite("Synthesis watches, in process", .serialized, .timeLimit(.minutes(2)))
struct SynthesisWatchTests {
    static let question = SynthesizeRequest(condition: "fibromyalgia", outcome: "pain")

    @Test("watch.add refuses a synthesis it cannot follow, naming the field; nothing is added and the notifier goes on")
    func hostileSynthesisBodies() async throws {
        try await InProcessSet.run { set in
            let long = String(repeating: "x", count: 201)
            let refused: [(body: String, code: ErrorCode, says: String)] = [
                (#"{"name":"s","synthesis":{"condition":"no such illness","outcome":"pain"}}"#, .notFound, "unknown condition"),
                (#"{"name":"s","synthesis":{"condition":"fibromyalgia","outcome":"happiness"}}"#, .invalidRequest, "unknown outcome \"happiness\""),
                (#"{"name":"s","synthesis":{"condition":"fibromyalgia","outcome":"pian"}}"#, .invalidRequest, "did you mean pain?"),
                (#"{"name":"s","synthesis":{"condition":"fibromyalgia","outcome":""}}"#, .invalidRequest, "synthesis.outcome"),
                (#"{"name":"s","synthesis":{"condition":"fibromialgia","outcome":"pain"}}"#, .notFound, "did you mean fibromyalgia?"),
                (#"{"name":"s","synthesis":{"condition":"","outcome":"pain"}}"#, .notFound, "unknown condition"),
                (#"{"name":"s","synthesis":{"condition":"\#(long)","outcome":"pain"}}"#, .invalidRequest, "at most 200"),
                (#"{"name":"s","synthesis":{"condition":"fibromyalgia","outcome":"pain","conditon":"ms"}}"#, .invalidRequest, "synthesis.conditon"),
                (#"{"name":"s","synthesis":{"condition":"fibromyalgia"}}"#, .invalidRequest, "synthesis.outcome"),
                (#"{"name":"s","synthesis":{"condition":5,"outcome":"pain"}}"#, .invalidRequest, "synthesis.condition"),
                (#"{"name":"s","synthesis":"fibromyalgia:pain"}"#, .invalidRequest, "synthesis"),
                (#"{"name":"s","synthesis":{"condition":"fibromyalgia","outcome":"pain","measure":"proportion"}}"#, .invalidRequest, "synthesis.measure"),
                (#"{"name":"s","synthesis":{"condition":"fibromyalgia","outcome":"pain","measure":"XX"}}"#, .invalidRequest, "synthesis.measure"),
                (#"{"name":"s","synthesis":{"condition":"fibromyalgia","outcome":"pain","method":"bayes"}}"#, .invalidRequest, "synthesis.method"),
                (#"{"name":"s","synthesis":{"condition":"fibromyalgia","outcome":"pain","method":"mh","measure":"MD"}}"#, .invalidRequest, "RR, OR or RD, not MD"),
                (#"{"name":"s","synthesis":{"condition":"fibromyalgia","outcome":"pain","method":"fe","hartung_knapp":true}}"#, .invalidRequest, "random-effects"),
                (#"{"name":"s","synthesis":{"condition":"fibromyalgia","outcome":"pain","timepoint_weeks":-1}}"#, .invalidRequest, "timepoint_weeks"),
                (#"{"name":"s","synthesis":{"condition":"fibromyalgia","outcome":"pain","timepoint_weeks":1e308}}"#, .invalidRequest, "timepoint_weeks"),
                (#"{"name":"s","synthesis":{"condition":"fibromyalgia","outcome":"pain","design":"anecdote"}}"#, .invalidRequest, "synthesis.design"),
                (#"{"name":"s","synthesis":{"condition":"fibromyalgia","outcome":"pain","hartung_knapp":"yes"}}"#, .invalidRequest, "synthesis.hartung_knapp"),
                (#"{"name":"s","filter":{},"synthesis":{"condition":"fibromyalgia","outcome":"pain"}}"#, .invalidRequest, "not both"),
                (#"{"name":"s"}"#, .invalidRequest, "a filter"),
                (#"{"name":"s","synthesis":null}"#, .invalidRequest, "a filter"),
            ]
            for (body, code, says) in refused {
                let reply = try await request(set.layout.notifier, Request(type: MessageType.watchAdd, id: UUID().uuidString,
                                                                           body: Data(body.utf8)))
                let error = try WireJSON.decode(ErrorBody.self, from: reply.body)
                #expect(!reply.isOK && error.code == code, "\(body): \(error)")
                let named = error.message + " " + error.details.compactMap(\.field).joined(separator: " ")
                #expect(named.contains(says), "\(body): \(error.message) \(error.details)")
            }
            #expect(try await set.list().watches.isEmpty)
            #expect(try await status(set.layout.notifier).service == "notifier")
            // What it accepts, it resolves: names become codes, the method in effect is named.
            let added = try await set.add(SynthesizeRequest(condition: "Fibromyalgia", outcome: "pain intensity", design: .rct,
                                                            timepointWeeks: 12, method: .derSimonianLaird, hartungKnapp: true))
            #expect(added.watch.synthesis == SynthesisQuestion(condition: "fibromyalgia", outcome: "pain", design: .rct,
                                                              timepointWeeks: 12, method: .derSimonianLaird, hartungKnapp: true))
            #expect(added.watch.filter == nil)
        }
    }

    @Test("A new synthesis watch reads the store's log up to where it was added: its set holds the active records of its condition and outcome, and it delivers nothing for them")
    func baselineSet() async throws {
        try await InProcessSet.run { set in
            let pain = try await set.write((1...6).map { SyntheticTrials.trial($0) })
            _ = try await set.write((7...8).map { SyntheticTrials.trial($0, outcome: "fatigue") })  // another outcome
            _ = try await set.write((9...10).map { SyntheticTrials.trial($0, condition: "crohns") })  // another condition
            _ = try await set.write([0, 8, 16].map { SyntheticRecords.record($0) })  // no arm data, other conditions
            _ = try await set.retract(pain[2])
            let added = try await set.add(Self.question)
            #expect(added.watch.cursor == 0 && added.watch.headline == nil, "it starts by reading the log")
            let head = try await set.head()
            let watch = try await set.caughtUp("fibro-pain", head: head)
            #expect(watch.delivered == 0, "what was there before the watch is its starting point, not news")
            #expect(try set.candidates("fibro-pain").map(\.recordID) == pain.filter { $0 != pain[2] }.sorted())

            // Later changes keep the set: a new version replaces its record, a retraction removes it, others pass by.
            _ = try await set.write([SyntheticTrials.trial(1, variant: 1)])
            _ = try await set.retract(pain[3])
            _ = try await set.write([SyntheticTrials.trial(11, condition: "crohns")])
            _ = try await set.caughtUp("fibro-pain", head: try await set.head())
            let now = try set.candidates("fibro-pain")
            #expect(now.map(\.recordID) == [pain[0], pain[1], pain[4], pain[5]])
            #expect(now.first?.seq == set.seqs[pain[0]], "the new version, as of its change")
        }
    }

    @Test("Pools: each change that moves the pooled result is delivered once by signed webhook, with the figures before and after and the change that caused it; a change that does not move it delivers nothing")
    func movesDelivered() async throws {
        try await InProcessSet.run { set in
            let receiver = try await WebhookReceiver()
            let ids = try await set.write((1...10).map { SyntheticTrials.trial($0) })
            let added = try await set.add(Self.question, webhook: receiver.url)
            try receiver.setSecret(try #require(added.secret))
            let start = try await set.caughtUp("fibro-pain", head: try await set.head())
            let baseline = try #require(start.headline)
            #expect(baseline.k == 10 && baseline.measure == .md && baseline.estimate != nil)

            let newTrial = try await set.write([SyntheticTrials.trial(11)])  // k 10 → 11
            var seen: WatchInfo?
            try await eventually("the first delivery: \(String(describing: seen)), head \(newTrial)") {
                seen = try await set.watch("fibro-pain")
                return receiver.deliveries.count == 1
            }
            _ = try await set.write([SyntheticTrials.trial(3, variant: 1)])  // the summary only
            _ = try await set.write([SyntheticTrials.trial(50, condition: "crohns")])  // another condition
            let shifted = try await set.write([SyntheticTrials.trial(4, shift: 0.8)])  // the estimate moves, k stays
            let retraction = try await set.retract(ids[4])  // k 11 → 10
            _ = try await set.caughtUp("fibro-pain", head: retraction)
            try await eventually("three deliveries") { receiver.deliveries.count >= 3 }
            let deliveries = receiver.deliveries
            #expect(deliveries.count == 3, "the new version of the summary and the other condition delivered nothing")
            #expect(deliveries.allSatisfy { $0.signatureOK && $0.status == 200 })
            #expect(deliveries.map { Optional($0.seq) } == [set.seqs[newTrial[0]], set.seqs[shifted[0]], retraction])
            #expect(deliveries.map(\.deliveryID) == deliveries.map { "fibro-pain-\($0.seq)" })

            let moves = try deliveries.map { try set.move(in: $0) }
            #expect(moves[0].before == baseline && moves[0].after.k == 11)
            #expect(moves[1].before == moves[0].after && moves[1].after.k == 11 && moves[1].after.estimate != moves[1].before.estimate)
            #expect(moves[2].before == moves[1].after && moves[2].after.k == 10)
            #expect(moves.allSatisfy { $0.question == SynthesisQuestion(condition: "fibromyalgia", outcome: "pain") })
            let bodies = try deliveries.map { try #require(JSONSerialization.jsonObject(with: $0.bodyJSON) as? [String: Any]) }
            #expect(bodies.allSatisfy { $0["record"] == nil && ($0["change"] as? [String: Any])?["key"] != nil })
            #expect(try await set.watch("fibro-pain")?.headline == moves[2].after)
            #expect(try await set.watch("fibro-pain")?.delivered == 3)
        }
    }

    @Test("A restart in the middle of building the set resumes from what was saved: it delivers nothing, and ends with the same set and figures")
    func restartMidBuild() async throws {
        let layout = try ServiceLayout()
        defer { layout.removeData() }
        var built: (WatchInfo, [InProcessSet.Candidate])?
        let database = URL(fileURLWithPath: layout.dataDirectory("notifier")).appendingPathComponent(WatchStore.fileName).path
        try await InProcessSet.withStore(layout) { set in
            try await set.withNotifier {
                _ = try await set.write((1...30).map { SyntheticTrials.trial($0) })
                _ = try await set.write((31...40).map { SyntheticTrials.trial($0, condition: "crohns") })
                _ = try await set.add(Self.question)
                let watch = try await set.caughtUp("fibro-pain", head: try await set.head())
                built = (watch, try set.candidates("fibro-pain"))
            }
            // What a crash leaves after saving the page up to seq 12: the set as of 12, no figures yet.
            try await DatabaseQueue(path: database, configuration: InProcessSet.waiting()).write { db in
                try db.execute(sql: "UPDATE watches SET cursor = 12, synthesis_headline = NULL")
                try db.execute(sql: "DELETE FROM synthesis_candidates WHERE seq > 12")
            }
            #expect(try set.candidates("fibro-pain").count == 12)
            try await set.withNotifier {
                let watch = try await set.caughtUp("fibro-pain", head: try await set.head())
                #expect(watch.delivered == 0, "no delivery for changes up to where the watch was added")
                #expect(watch.headline == built?.0.headline)
                #expect(try set.candidates("fibro-pain") == built?.1)
            }
        }
    }

    @Test("Pools: a webhook delivery cut short by a shutdown is made after the restart, with the same before and after")
    func interruptedDelivery() async throws {
        let layout = try ServiceLayout()
        defer { layout.removeData() }
        let receiver = try await WebhookReceiver(failFirst: 2, failStatus: 503)
        try await InProcessSet.withStore(layout, notifierArguments: ["--webhook-attempts", "50", "--webhook-backoff-ms", "300"]) { set in
            try await set.withNotifier {
                _ = try await set.write((1...5).map { SyntheticTrials.trial($0) })
                let added = try await set.add(Self.question, webhook: receiver.url)
                try receiver.setSecret(try #require(added.secret))
                _ = try await set.caughtUp("fibro-pain", head: try await set.head())
                _ = try await set.write([SyntheticTrials.trial(6)])
                try await eventually("two attempts refused; the third waits") { receiver.deliveries.count == 2 }
            }  // stopped while the delivery waits to retry
            let stopped = try #require(try await set.watch(in: layout, "fibro-pain"))
            #expect(stopped.delivered == 0, "not counted as delivered")
            try await set.withNotifier {
                try await eventually("the delivery, after the restart") { receiver.deliveries.count == 3 }
                let watch = try await set.caughtUp("fibro-pain", head: try await set.head())
                #expect(watch.delivered == 1)
                let move = try set.move(in: try #require(receiver.deliveries.last))
                #expect(receiver.deliveries.last?.status == 200 && move.before.k == 5 && move.after.k == 6)
            }
        }
    }

    @Test("Pools: watch.replay rebuilds the set as it stood before `from` and delivers the moves from there again, under new delivery numbers")
    func replay() async throws {
        try await InProcessSet.run { set in
            _ = try await set.write((1...5).map { SyntheticTrials.trial($0) })
            _ = try await set.add(Self.question)
            _ = try await set.caughtUp("fibro-pain", head: try await set.head())
            let first = try await set.write([SyntheticTrials.trial(6)])
            _ = try await set.write([SyntheticTrials.trial(7)])
            let before = try await set.caughtUp("fibro-pain", head: try await set.head())
            #expect(before.delivered == 2)
            let from = try #require(set.seqs[first[0]])
            _ = try await request(set.layout.notifier, Request(type: MessageType.watchReplay, id: UUID().uuidString,
                                                              body: WatchReplayRequest(name: "fibro-pain", from: from)))
                .decode(WatchListReply.self)
            let after = try await set.caughtUp("fibro-pain", head: try await set.head())
            #expect(after.delivered == 4, "both moves again")
            #expect(after.headline == before.headline)
            #expect(try set.candidates("fibro-pain").count == 7)
        }
    }
}

/// A store and a notifier in the test process, and what the tests ask of them.
final class InProcessSet {
    let layout: ServiceLayout
    private let notifierArguments: [String]
    /// The sequence number of each record's last write, by record id.
    private(set) var seqs: [Int64: Int64] = [:]

    struct Candidate: Equatable {
        var recordID: Int64
        var key: String
        var seq: Int64
    }

    init(layout: ServiceLayout, notifierArguments extra: [String] = []) throws {
        self.layout = layout
        notifierArguments = layout.arguments("notifier") + ["--allow-private-webhooks", "--stream-grace-ms", "0",
                                                            "--webhook-backoff-ms", "20"] + extra
    }

    /// A store and a notifier, for the length of `body`.
    static func run(_ body: (InProcessSet) async throws -> Void) async throws {
        let layout = try ServiceLayout()
        defer { layout.removeData() }
        try await withStore(layout) { set in try await set.withNotifier { try await body(set) } }
    }

    static func withStore(_ layout: ServiceLayout, notifierArguments: [String] = [],
                          _ body: (InProcessSet) async throws -> Void) async throws {
        let options = try StoreOptions.parse(layout.arguments("evidence-store"))
        let set = try InProcessSet(layout: layout, notifierArguments: notifierArguments)
        try await withService("evidence-store", build: { try await makeStore(options, $0) }) { _ in try await body(set) }
    }

    /// A notifier, started and stopped (gracefully) around `body`.
    func withNotifier(_ body: () async throws -> Void) async throws {
        let options = try NotifierOptions.parse(notifierArguments)
        try await withService("notifier", build: { try await makeNotifier(options, $0) }) { _ in try await body() }
    }

    /// Writes records as ingest would (canonical JSON); returns their record ids.
    func write(_ records: [EvidenceRecord]) async throws -> [Int64] {
        let canonical = try records.map { try #require(RecordIntake.evaluate($0.jsonData).record) }
        let reply = try await TestHarness.write(canonical, to: layout.store)
        let ids = try reply.results.map { try #require($0.id, "written: \($0.outcome)") }
        for (id, result) in zip(ids, reply.results) { seqs[id] = result.seq }
        return ids
    }

    /// Retracts a record; returns the retraction's sequence number.
    func retract(_ id: Int64) async throws -> Int64 {
        try await request(layout.store, Request(type: MessageType.retract, id: UUID().uuidString,
                                                body: RetractRequest(id: id, reason: "SYNTHETIC: withdrawn for a test")))
            .decode(RetractReply.self).change.seq
    }

    func head() async throws -> Int64 {
        try await request(layout.store, Request(type: MessageType.changes, id: UUID().uuidString,
                                                body: ChangesRequest(after: Int64.max - 1, limit: 1))).decode(ChangesReply.self).head
    }

    func add(_ question: SynthesizeRequest, name: String = "fibro-pain", webhook: String? = nil) async throws -> WatchAddReply {
        try await request(layout.notifier, Request(type: MessageType.watchAdd, id: UUID().uuidString,
                                                   body: WatchAddRequest(name: name, synthesis: question, stream: webhook == nil,
                                                                         webhook: webhook))).decode(WatchAddReply.self)
    }

    func list() async throws -> WatchListReply {
        try await request(layout.notifier, Request(type: MessageType.watchList, id: UUID().uuidString)).decode(WatchListReply.self)
    }

    func watch(_ name: String) async throws -> WatchInfo? { try await list().watches.first { $0.name == name } }

    /// The watch once it has dealt with every change up to `head` and has figures.
    func caughtUp(_ name: String, head: Int64) async throws -> WatchInfo {
        var last: WatchInfo?
        try await eventually("watch \(name) reaches seq \(head): \(String(describing: last))") {
            last = try await watch(name)
            return last.map { $0.cursor >= head && $0.headline != nil } ?? false
        }
        return last!
    }

    /// Waits for the notifier's writes (and, once it stopped, its last checkpoint) rather than failing.
    static func waiting() -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        return configuration
    }

    /// A watch as saved in the notifier's database, read while no notifier runs.
    func watch(in layout: ServiceLayout, _ name: String) async throws -> WatchStore.Watch? {
        try await WatchStore(directory: URL(fileURLWithPath: layout.dataDirectory("notifier")), sealer: try testSealer()).watch(name)
    }

    /// The watch's set as saved in the notifier's database, by record id.
    func candidates(_ name: String) throws -> [Candidate] {
        let path = URL(fileURLWithPath: layout.dataDirectory("notifier")).appendingPathComponent(WatchStore.fileName).path
        var configuration = Self.waiting()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration).read { db in
            try Row.fetchAll(db, sql: "SELECT record_id, key, seq FROM synthesis_candidates WHERE watch = ? ORDER BY record_id",
                             arguments: [name]).map { Candidate(recordID: $0["record_id"], key: $0["key"], seq: $0["seq"]) }
        }
    }

    /// The `synthesis` member of a webhook body.
    func move(in delivery: WebhookReceiver.Delivery) throws -> SynthesisMove {
        let body = try #require(JSONSerialization.jsonObject(with: delivery.bodyJSON) as? [String: Any])
        let synthesis = try #require(body["synthesis"])
        return try WireJSON.decode(SynthesisMove.self, from: try JSONSerialization.data(withJSONObject: synthesis))
    }
}
