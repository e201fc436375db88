import CurveAuth
import Foundation
import ServiceKit
import TestHarness
import Testing
import WireProtocol
import ZMQ
@testable import EvidenceStore
@testable import Harvester
@testable import Ingest

/// `makeHarvester` in process, asked over real sockets: its messages, their bounds, the
/// scheduler behind `harvest.run`, `pause`, `resume` and `remove`, and the roles.
@Suite("Harvester: requests", .timeLimit(.minutes(2)))
struct HarvesterRoutesTests {
    static func send<Reply: Decodable>(_ endpoint: String, _ type: String, _ body: some Encodable, as reply: Reply.Type,
                                       security: [SocketOption] = []) async throws -> Reply {
        try await request(endpoint, Request(type: type, id: UUID().uuidString, body: body), security: security).decode(reply)
    }

    static func search(_ endpoint: String, _ name: String) async throws -> HarvestSearchInfo? {
        try await send(endpoint, MessageType.harvestList, EmptyBody(), as: HarvestListReply.self).searches.first { $0.name == name }
    }

    @Test("Hostile or out-of-bounds bodies get invalid_request naming the field")
    func boundsAreChecked() async throws {
        let endpoint = try freeEndpoint()
        let options = try HarvesterOptions.parse(["--bind", endpoint, "--data-dir", try temporaryDirectory().path])
        try await withService("harvester", build: { try await makeHarvester(options, $0) }) { _ in
            let cases: [(body: String, field: String)] = [
                (#"{"name":"a b","source":"pubmed","query":"ldn"}"#, "name"),
                (#"{"name":"\#(String(repeating: "x", count: 65))","source":"pubmed","query":"ldn"}"#, "name"),
                (#"{"name":"ok","source":"embase","query":"ldn"}"#, "source"),
                (#"{"name":"ok","source":"pubmed"}"#, "query"),
                (#"{"name":"ok","source":"pubmed","query":"   "}"#, "query"),
                (#"{"name":"ok","source":"pubmed","query":"\#(String(repeating: "n", count: 1001))"}"#, "query"),
                (#"{"name":"ok","source":"pubmed","query":"ldn\u0000"}"#, "query"),
                (#"{"name":"ok","source":"pubmed","query":"ldn","condition":"fibromyalgia"}"#, "condition"),
                (#"{"name":"ok","source":"ctgov","query":"ldn","condition":"a\nb"}"#, "condition"),
                (#"{"name":"ok","source":"pubmed","query":"ldn","interval":59}"#, "interval"),
                (#"{"name":"ok","source":"pubmed","query":"ldn","interval":7776001}"#, "interval"),
                (#"{"name":"ok","source":"pubmed","query":"ldn","interval":1e30}"#, "interval"),
                (#"{"name":"ok","source":"pubmed","query":"ldn","interval":"24h"}"#, "interval"),
                (#"{"name":"ok","source":"pubmed","query":"ldn","every":3600}"#, "every"),
            ]
            for (body, field) in cases {
                let reply = try await request(endpoint, Request(type: MessageType.harvestAdd, id: UUID().uuidString, body: Data(body.utf8)))
                let error = try #require(try? WireJSON.decode(ErrorBody.self, from: reply.body), "\(body)")
                #expect(!reply.isOK && error.code == .invalidRequest, "\(body): \(error)")
                #expect(error.details.first?.field == field, "\(body): \(error)")
            }
            let pause = try await request(endpoint, Request(type: MessageType.harvestPause, id: UUID().uuidString,
                                                           body: HarvestPauseRequest(name: "x", reason: String(repeating: "r", count: 501))))
            #expect(!pause.isOK)
            let missing = try await request(endpoint, Request(type: MessageType.harvestRun, id: UUID().uuidString,
                                                             body: HarvestNameRequest(name: "nothing")))
            #expect((try? WireJSON.decode(ErrorBody.self, from: missing.body))?.code == .notFound)
            #expect(try await status(endpoint).service == "harvester", "still answering")
        }
    }

    @Test("A new search runs at once; harvest.run while it runs says so; pause stops it between batches and resume finishes the window; remove forgets it")
    func scheduleThroughRequests() async throws {
        let source = ScriptedSource(.init(items: { _ in HarvestSamples.items(0..<20) }, pageSize: 2, pageDelay: .milliseconds(150)))
        try await withStoreAndIngest { layout in
            let harvester = try freeEndpoint()
            let options = try HarvesterOptions.parse(["--bind", harvester, "--ingest", layout.ingest,
                                                      "--data-dir", layout.dataDirectory("harvester")])
            try await withService("harvester", options: ["--metrics-bind", "127.0.0.1:0"],
                                  build: { try await makeHarvester(options, $0, sources: { _ in source }) }) { runtime in
                let port = try RawHTTP.port(ofMetricsURL: runtime.state.boundEndpoints["metrics"])
                let before = try await RawHTTP.scrape(port: port)
                #expect(before.value("ldn_harvest_searches") == 0 && before.value("ldn_harvest_searches_paused") == 0)
                for counter in ["runs", "runs_failed", "runs_skipped", "found", "submitted", "duplicates", "needs_review", "rejected", "errors"] {
                    #expect(before.value("ldn_harvest_\(counter)_total") == 0, "declared at start: \(counter)")
                }
                let added = try await Self.send(harvester, MessageType.harvestAdd,
                                                HarvestAddRequest(name: "ldn", source: .pubmed, query: "low dose naltrexone", interval: 3600),
                                                as: HarvestListReply.self)
                #expect(added.searches.first?.interval == 3600)
                try await eventually("the new search runs at once", timeout: .seconds(10)) {
                    try await Self.search(harvester, "ldn")?.running != nil
                }
                let again = try await Self.send(harvester, MessageType.harvestRun, HarvestNameRequest(name: "ldn"), as: HarvestRunReply.self)
                #expect(again.started == false)

                _ = try await Self.send(harvester, MessageType.harvestPause, HarvestPauseRequest(name: "ldn", reason: "checking the query"),
                                        as: HarvestListReply.self)
                let paused = try #require(try await Self.search(harvester, "ldn"))
                #expect(paused.paused == "checking the query" && paused.running == nil && paused.nextRun == nil)
                let whilePaused = try await RawHTTP.scrape(port: port)
                #expect(whilePaused.value("ldn_harvest_searches") == 1 && whilePaused.value("ldn_harvest_searches_paused") == 1)
                #expect(paused.cursor == nil, "the run did not complete")
                let storedWhilePaused = try await status(layout.store).sequence?.head ?? 0
                #expect(storedWhilePaused < 20)
                let refused = try await request(harvester, Request(type: MessageType.harvestRun, id: UUID().uuidString,
                                                                   body: HarvestNameRequest(name: "ldn")))
                #expect(!refused.isOK)

                _ = try await Self.send(harvester, MessageType.harvestResume, HarvestNameRequest(name: "ldn"), as: HarvestListReply.self)
                try await eventually("the resumed run completes", timeout: .seconds(20)) {
                    try await Self.search(harvester, "ldn")?.lastRun?.outcome == "complete"
                }
                let done = try #require(try await Self.search(harvester, "ldn"))
                #expect(done.seen == 20 && done.cursor != nil && done.nextRun != nil)
                #expect(try await status(layout.store).sequence?.head == 20, "every record once")
                #expect(source.fetched.count == 2 && source.fetched[0] == source.fetched[1], "resumed with the same window")
                let counters = try await status(harvester).counters
                #expect(counters["harvest.runs"] == 1 && counters["harvest.submitted"] == 20 && counters["searches"] == 1)
                let after = try await RawHTTP.scrape(port: port)
                #expect(after.value("ldn_harvest_submitted_total") == 20 && after.value("ldn_harvest_runs_total") == 1)
                #expect(after.value("ldn_harvest_searches_paused") == 0, "resumed")

                _ = try await Self.send(harvester, MessageType.harvestRemove, HarvestNameRequest(name: "ldn"), as: HarvestListReply.self)
                #expect(try await Self.search(harvester, "ldn") == nil)
            }
        }
    }

    @Test("A graceful shutdown during a run stops it between batches; the next start finishes the same window, every record once")
    func shutdownMidRun() async throws {
        let source = ScriptedSource(.init(items: { _ in HarvestSamples.items(0..<20) }, pageSize: 2, pageDelay: .milliseconds(100)))
        try await withStoreAndIngest { layout in
            let harvester = try freeEndpoint()
            let options = try HarvesterOptions.parse(["--bind", harvester, "--ingest", layout.ingest,
                                                      "--data-dir", layout.dataDirectory("harvester")])
            try await withService("harvester", build: { try await makeHarvester(options, $0, sources: { _ in source }) }) { _ in
                _ = try await Self.send(harvester, MessageType.harvestAdd,
                                        HarvestAddRequest(name: "ldn", source: .pubmed, query: "low dose naltrexone"),
                                        as: HarvestListReply.self)
                try await eventually("some records are in", timeout: .seconds(10)) {
                    (try await status(layout.store).sequence?.head ?? 0) >= 4
                }
            }  // the harvester shuts down gracefully here, mid-run
            let store = try HarvestStore(directory: URL(fileURLWithPath: layout.dataDirectory("harvester")))
            let run = try #require(try await store.run("ldn"), "the run is kept, to be finished")
            #expect(try await store.pendingBatches("ldn").isEmpty, "the batch under way was answered and recorded")
            #expect(try await store.search("ldn")?.cursor == nil)
            let stored = try await status(layout.store).sequence?.head ?? 0
            let seen = try await store.seenCounts()["ldn"] ?? -1
            #expect(stored < 20 && stored == Int64(seen))

            try await withService("harvester", build: { try await makeHarvester(options, $0, sources: { _ in source }) }) { _ in
                try await eventually("the run is finished", timeout: .seconds(20)) {
                    try await Self.search(harvester, "ldn")?.lastRun?.outcome == "complete"
                }
            }
            #expect(source.fetched.allSatisfy { $0 == run.window })
            #expect(try await status(layout.store).sequence?.head == 20, "every record once")
        }
    }

    @Test("Managing searches needs the curator role; listing them, the reader role")
    func roles() async throws {
        let keys = try TestKeys()
        defer { keys.remove() }
        _ = try keys.directory.add(name: "rita", roles: [.reader])
        _ = try keys.directory.add(name: "cora", roles: [.curator])
        let endpoint = try freeEndpoint()
        let options = try HarvesterOptions.parse(["--bind", endpoint, "--data-dir", try temporaryDirectory().path])
        let idle = ScriptedSource(.init(items: { _ in [] }))
        try await withService("harvester", options: ["--keys", keys.path],
                              build: { try await makeHarvester(options, $0, sources: { _ in idle }) }) { _ in
            let add = HarvestAddRequest(name: "ldn", source: .ctgov, query: "naltrexone", condition: "fibromyalgia")
            let reader = try keys.client("rita", to: "harvester"), curator = try keys.client("cora", to: "harvester")
            let refused = try await request(endpoint, Request(type: MessageType.harvestAdd, id: UUID().uuidString, body: add), security: reader)
            #expect((try? WireJSON.decode(ErrorBody.self, from: refused.body))?.code == .forbidden)
            _ = try await Self.send(endpoint, MessageType.harvestAdd, add, as: HarvestListReply.self, security: curator)
            let list = try await Self.send(endpoint, MessageType.harvestList, EmptyBody(), as: HarvestListReply.self, security: reader)
            #expect(list.searches.map(\.name) == ["ldn"] && list.searches.first?.condition == "fibromyalgia")
            for type in [MessageType.harvestRun, MessageType.harvestResume, MessageType.harvestRemove] {
                let reply = try await request(endpoint, Request(type: type, id: UUID().uuidString, body: HarvestNameRequest(name: "ldn")),
                                              security: reader)
                #expect((try? WireJSON.decode(ErrorBody.self, from: reply.body))?.code == .forbidden, "\(type)")
            }
        }
    }
}
