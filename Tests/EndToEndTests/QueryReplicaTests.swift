import EvidenceModel
import Foundation
import SyntheticData
import TestHarness
import Testing
import WireProtocol

@Suite("Query replicas: snapshot, live feed, restarts, gaps", .serialized)
struct QueryReplicaTests {
    @Test("A replica builds from a snapshot, then follows live changes; the client shows the answers")
    func snapshotThenLive() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest"])
        let first = try temporaryFile("first.jsonl", SyntheticRecords.jsonLines(0..<400))
        let loaded = try await submitPatiently(first, ingest: set.ingest)
        #expect(loaded.status == 0, "\(loaded.stderr)")

        let query = try await set.start("query")
        _ = try await waitUntilCaughtUp(set.query, store: set.store)
        #expect(query.log.contains { $0.contains("snapshot loaded") && $0.contains("records=400") })

        let second = try temporaryFile("second.jsonl", SyntheticRecords.jsonLines(400..<500))
        let submitted = try await submitPatiently(second, ingest: set.ingest)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let replica = try await waitUntilCaughtUp(set.query, store: set.store)
        #expect(replica.counters["records"] == 500)

        // Synthetic record n has condition n % 8 (crohns first), so 63 of 500 are on Crohn's disease.
        let crohns = (0..<500).filter { $0 % 8 == 0 }.count
        let listed = try await ldn(["query", "--condition", "crohns", "--limit", "5", "--query", set.query])
        #expect(listed.stdout.hasPrefix("\(crohns) studies match; showing 1–5, by year."), "\(listed.stdout)")
        #expect(listed.stdout.split(separator: "\n").allSatisfy { $0.count <= 80 })
        let summary = try await ldn(["summary", "Crohn's disease", "--json", "--query", set.query])
        let document = try JSONSerialization.jsonObject(with: Data(summary.stdout.utf8)) as? [String: Any]
        #expect(document?["studies"] as? Int == crohns)
        _ = try await set.stop()
    }

    @Test("kill -9 a replica during a load; restarted, it resumes from its position and converges to the store")
    func crashAndResume() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest", "query"])
        let file = try temporaryFile("load.jsonl", SyntheticRecords.jsonLines(0..<3000))
        async let load = ldn(["submit", file, "--batch-size", "50", "--in-flight", "2", "--ingest", set.ingest])

        try await eventually("the replica applied 500 changes") {
            ((try? await status(set.query).sequence?.applied) ?? 0) >= 500
        }
        try await set.kill9("query")
        let restarted = try await set.start("query")
        #expect(try await load.status == 0)
        _ = try await waitUntilCaughtUp(set.query, store: set.store)

        let resumedAt = restarted.log.first { $0.contains("replica open") }
        #expect(resumedAt?.contains("seq=0") == false, "it kept its position: \(resumedAt ?? "")")
        #expect(!restarted.log.contains { $0.contains("loading a snapshot") }, "no fresh snapshot was needed")
        let (store, replica) = (try await storeContents(set.store), try await replicaContents(set.query))
        #expect(store.count == 3000)
        #expect(replica == store, "every record at the same change as the store")
        _ = try await set.stop()
    }

    @Test("With the feed dropping almost everything, gap repair still converges")
    func gapRepair() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest", "query"],
                                           extraArguments: ["evidence-store": ["--feed-high-water-mark", "1"]])
        let file = try temporaryFile("load.jsonl", SyntheticRecords.jsonLines(0..<2000))
        let submitted = try await submitPatiently(file, ingest: set.ingest)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let replica = try await waitUntilCaughtUp(set.query, store: set.store)
        #expect(replica.counters["records"] == 2000)
        #expect((replica.counters["feed.gaps_repaired"] ?? 0) > 0, "messages were dropped and repaired: \(replica.counters)")
        #expect(try await replicaContents(set.query) == storeContents(set.store))
        _ = try await set.stop()
    }

    @Test("Two replicas answer identically after a load")
    func twoReplicas() async throws {
        let set = try await LocalSet.start(["evidence-store", "ingest", "query"])
        let secondQuery = try freeEndpoint()
        let second = try await set.startExtra("query", bind: secondQuery, dataDirectory: "query-2")
        let file = try temporaryFile("load.jsonl", SyntheticRecords.jsonLines(0..<1500))
        let submitted = try await submitPatiently(file, ingest: set.ingest)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        _ = try await waitUntilCaughtUp(set.query, store: set.store)
        _ = try await waitUntilCaughtUp(secondQuery, store: set.store)

        for arguments in [["query", "--condition", "ms", "--design", "rct", "--json"],
                          ["search", "quality", "--json"],
                          ["summary", "fibromyalgia", "--json"]] {
            let a = try await ldn(arguments + ["--query", set.query])
            let b = try await ldn(arguments + ["--query", secondQuery])
            #expect(a.status == 0 && a.stdout == b.stdout, "\(arguments)")
        }
        #expect(try await second.stop() == 0)
        _ = try await set.stop()
    }

    @Test("While it cannot reach the store, a replica says so in every answer")
    func staleAnswersSaySo() async throws {
        let set = try await LocalSet.start(["query"])
        let run = try await ldn(["query", "--condition", "ms", "--query", set.query])
        #expect(run.status == 0)
        #expect(run.stderr.contains("note: this replica is 0 changes behind the store (catching up)"), "\(run.stderr)")
        let json = try await ldn(["query", "--condition", "ms", "--json", "--query", set.query])
        let replica = (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["replica"] as? [String: Any]
        #expect(replica?["catching_up"] as? Bool == true)
        _ = try await set.stop()
    }

    @Test("A client-chosen request id is in the DEBUG lines of ingest, the store, the replica and the notifier")
    func requestIDTrace() async throws {
        let set = try await LocalSet.start(environment: ["LDN_LOG_LEVEL": "debug"])
        let file = try temporaryFile("traced.jsonl", SyntheticRecords.jsonLines(0..<3))
        #expect(try await ldn(["submit", file, "--request-id", "trace-me-7", "--ingest", set.ingest]).status == 0)
        _ = try await waitUntilCaughtUp(set.query, store: set.store)
        for service in LocalSet.allServices {
            let process = try #require(set.process(service))
            try await eventually("\(service) logs the request id") {
                process.log.contains { $0.contains("request.id=trace-me-7-1") }
            }
        }
        // What a handler logs carries the request and the peer without retyping them.
        let ingest = try #require(set.process("ingest"))
        #expect(ingest.log.contains { $0.contains(" submitted ") && $0.contains("request.id=trace-me-7-1")
                && $0.contains("request.type=submit") && $0.contains(/peer=[0-9a-f]{10}/) },
                "\(ingest.log.filter { $0.contains("submitted") })")
        _ = try await set.stop()
    }
}
