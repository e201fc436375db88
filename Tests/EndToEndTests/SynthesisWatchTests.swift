import EvidenceModel
import Foundation
import MetaAnalysis
import SyntheticData
import TestHarness
import Testing
import WireProtocol

/// Synthesis watches (issue 15) with the real executables: `ldn watch add --synthesis`,
/// `ldn watch follow`, a webhook receiver, and a notifier killed and started again. Every
/// record is SYNTHETIC (`SyntheticTrials`).
///
/// The test marked "pools" needs `EvidenceSynthesis.synthesize`: until it is implemented
/// its placeholder pools nothing (k = 0) and that test fails.
@Suite("Synthesis watches: the real executables", .serialized)
struct SynthesisWatchEndToEndTests {
    @Test("Pools: each change that moves the synthesis is delivered once on the stream and by webhook, with before and after; a new version of the summary delivers nothing; kill -9 repeats nothing and loses nothing",
          .timeLimit(.minutes(3)))
    func livingSynthesis() async throws {
        let set = try await LocalSet.start(extraArguments: ["notifier": notifierTestArguments])
        #expect(try await submit(set, (1...20).map { SyntheticTrials.trial($0) }))
        let receiver = try await WebhookReceiver()
        let added = try await ldn(["watch", "add", "fibro-pain", "--synthesis", "fibromyalgia:pain", "--method", "DL",
                                   "--webhook", receiver.url, "--notifier", set.notifier])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("Watch \"fibro-pain\" added: the synthesis of pain in fibromyalgia (dl)."), "\(added.stdout)")
        try receiver.setSecret(try #require(secret(from: added.stdout)))
        let follow = try ServiceProcess("ldn", ["watch", "follow", "fibro-pain", "--json", "--stream", set.stream,
                                                "--notifier", set.notifier], captureOutput: true)
        let lines = try ServiceProcess("ldn", ["watch", "follow", "fibro-pain", "--count", "1", "--stream", set.stream,
                                               "--notifier", set.notifier], captureOutput: true)
        try await follow.waitForLine("following watch")
        try await lines.waitForLine("following watch")
        try await eventually("both followers joined the stream") {
            set.process("notifier")!.log.count { $0.contains("stream subscriber joined") && $0.contains("watch=fibro-pain") } >= 2
        }
        let start = try await figures(set)
        #expect(start.k == 20, "it starts from the synthesis as it stands: \(start)")

        // A new trial: k 20 → 21.
        #expect(try await submit(set, [SyntheticTrials.trial(21)]))
        try await eventually("the first move, on the stream and by webhook") {
            follow.output.count == 1 && receiver.deliveries.count == 1
        }
        // A new version that changes only the summary: the synthesis does not move.
        #expect(try await submit(set, [SyntheticTrials.trial(5, variant: 1)]))
        try await waitUntilWatchesCaughtUp(set)
        #expect(follow.output.count == 1 && receiver.deliveries.count == 1, "nothing for a change that does not move it")
        // A retraction: k 21 → 20.
        let id = try await recordID(set, doi: "10.5555/synthetic.trial.fibromyalgia.pain.7")
        #expect(try await ldn(["retract", String(id), "--reason", "SYNTHETIC: withdrawn", "--ingest", set.ingest]).status == 0)
        try await eventually("the retraction's move") { follow.output.count == 2 && receiver.deliveries.count == 2 }

        // Killed once its progress is saved, and a trial lands while it is down: after the restart
        // it is delivered once, and nothing before it again. (A kill between a delivery and its
        // save repeats that delivery, with the same X-LDN-Delivery: at least once.)
        try await waitUntilWatchesCaughtUp(set)
        try await set.kill9("notifier")
        #expect(try await submit(set, [SyntheticTrials.trial(22, shift: -0.5)]))
        try await set.start("notifier")
        try await eventually("the move made while the notifier was down: \(follow.output.count) on the stream, "
                             + "\(receiver.deliveries.count) by webhook") {
            follow.output.count == 3 && receiver.deliveries.count == 3
        }
        try await waitUntilWatchesCaughtUp(set)

        let stream = try follow.output.map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let match = try WireJSON.decode(MatchHeader.self, from: JSONSerialization.data(withJSONObject: try #require(object["match"])))
            let move = try WireJSON.decode(SynthesisMove.self, from: JSONSerialization.data(withJSONObject: try #require(object["synthesis"])))
            return (match, move)
        }
        #expect(stream.map(\.0.delivery) == [1, 2, 3])
        let moves = stream.map(\.1)
        #expect(moves[0].before.k == 20 && moves[0].after.k == 21 && moves[0].before == start)
        #expect(moves[1].before == moves[0].after && moves[1].after.k == 20)
        #expect(moves[2].before == moves[1].after && moves[2].after.k == 21)
        #expect(moves.allSatisfy { $0.question.method == .derSimonianLaird && $0.after.measure == .md })
        #expect(stream[1].0.change.status == .retracted && stream[1].0.change.key == "doi:10.5555/synthetic.trial.fibromyalgia.pain.7")
        // As a person reads it: `seq 21 #1 k 20→21, MD -0.407 → -0.413 [-0.627, -0.199], I² 65→63% (…ia.pain.21)`,
        // at most 80 columns.
        #expect(try await lines.waitForExit() == 0)
        let line = try #require(lines.output.first)
        #expect(line.hasPrefix("seq \(stream[0].0.change.seq) #1 k 20→21, MD ") && line.contains(" → ") && line.contains(", I² ")
                && line.hasSuffix(".pain.21)") && line.count <= 80, "\(line)")

        let hooks = receiver.deliveries
        #expect(hooks.count == 3 && Set(hooks.map(\.deliveryID)).count == 3, "none twice")
        #expect(hooks.allSatisfy { $0.signatureOK && $0.status == 200 })
        #expect(hooks.map(\.seq) == stream.map(\.0.change.seq))
        #expect(try await watches(set).watches.first?.delivered == 3)

        follow.signal(SIGINT)
        #expect(try await follow.waitForExit() == 0)
        let listed = try await ldn(["watch", "list", "--notifier", set.notifier])
        #expect(listed.stdout.contains("synthesis of pain in fibromyalgia (dl): k=21 MD "), "\(listed.stdout)")
        _ = try await set.stop()
    }

    @Test("`ldn watch add --synthesis`: a malformed question is refused before anything is sent (exit 64); one the notifier cannot follow is refused by it (exit 1), naming why; neither adds a watch")
    func refusedQuestions() async throws {
        let set = try await LocalSet.start(["evidence-store", "notifier"])
        for (arguments, says) in [(["--synthesis", "fibromyalgia"], "CONDITION:OUTCOME"),
                                  (["--synthesis", ":pain"], "CONDITION:OUTCOME"),
                                  (["--synthesis", "fibromyalgia:pain", "--measure", "XX"], "--measure must be one of"),
                                  (["--synthesis", "fibromyalgia:pain", "--condition", "ms"], "filter options"),
                                  (["--synthesis", "fibromyalgia:pain", "--design", "rct", "--design", "cohort"], "at most one --design"),
                                  (["--condition", "ms", "--method", "dl"], "--method goes with --synthesis")] {
            let run = try await ldn(["watch", "add", "w"] + arguments + ["--notifier", set.notifier])
            #expect(run.status == 64 && run.stderr.contains(says), "\(arguments): \(run.status) \(run.stderr)")
        }
        for (arguments, says) in [(["--synthesis", "fibromyalgia:happiness"], "unknown outcome \"happiness\""),
                                  (["--synthesis", "no such illness:pain"], "unknown condition"),
                                  (["--synthesis", "fibromyalgia:pain", "--method", "fe", "--hartung-knapp"], "random-effects methods"),
                                  (["--synthesis", "fibromyalgia:pain", "--method", "mh", "--measure", "SMD"], "RR, OR or RD, not SMD")] {
            let run = try await ldn(["watch", "add", "w"] + arguments + ["--notifier", set.notifier])
            #expect(run.status == 1 && run.stderr.contains(says), "\(arguments): \(run.status) \(run.stderr)")
        }
        #expect(try await watches(set).watches.isEmpty)
        _ = try await set.stop()
    }

    /// Submits records through ingest with `ldn submit`; true when every one was stored.
    private func submit(_ set: LocalSet, _ records: [EvidenceRecord]) async throws -> Bool {
        let file = try temporaryFile("trials.jsonl", records.map { String(decoding: $0.jsonData, as: UTF8.self) }.joined(separator: "\n"))
        return try await ldn(["submit", file, "--ingest", set.ingest]).status == 0
    }

    /// The synthesis watch's figures once it has read the store's log up to its head.
    private func figures(_ set: LocalSet) async throws -> SynthesisHeadline {
        var headline: SynthesisHeadline?
        try await eventually("the watch has its starting figures") {
            let list = try await watches(set)
            headline = list.watches.first?.headline
            return headline != nil && list.watches.first?.lag == 0
        }
        return headline!
    }

    /// A record's id, as the query replica tells it (once it has the record).
    private func recordID(_ set: LocalSet, doi: String) async throws -> Int64 {
        var id: Int64?
        try await eventually("the replica has \(doi)") {
            let run = try await ldn(["get", doi, "--json", "--query", set.query])
            let object = try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
            id = ((object?["current"] as? [String: Any])?["record_id"] as? NSNumber)?.int64Value
            return id != nil
        }
        return id!
    }
}
