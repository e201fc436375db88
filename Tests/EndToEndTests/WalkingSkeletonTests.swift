import Foundation
import TestHarness
import Testing

@Suite("Walking skeleton: the real executables on loopback", .serialized)
struct WalkingSkeletonTests {
    @Test("All four services start, `ldn status` shows them up, and SIGTERM stops each cleanly")
    func startStatusStop() async throws {
        let set = try await LocalSet.start()
        let table = try await ldn(["status"] + set.clientFlags)
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true) == ["SERVICE", "ENDPOINT", "STATE", "UPTIME", "VERSION"])
        for (service, endpoint) in [("ingest", set.ingest), ("evidence-store", set.store), ("query", set.query), ("notifier", set.notifier)] {
            let row = try #require(lines.first { $0.hasPrefix(service + " ") })
            #expect(row.contains(endpoint) && row.contains(" up ") && row.hasSuffix("0.1.0"), "\(row)")
        }
        #expect(lines.allSatisfy { $0.count <= 80 })

        let json = try await ldn(["status", "--json"] + set.clientFlags)
        let rows = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.count == 4)
        #expect(rows?.allSatisfy { $0["up"] as? Bool == true } == true)

        let one = try await ldn(["status", "--service", "query"] + set.clientFlags)
        #expect(one.status == 0 && one.stdout.split(separator: "\n").count == 2 && one.stdout.contains("\nquery "), "\(one.stdout)")
        let unknown = try await ldn(["status", "--service", "qeury"] + set.clientFlags)
        #expect(unknown.status != 0 && unknown.stderr.contains("unknown service \"qeury\""), "\(unknown.stderr)")

        let watched = try await ldn(["status", "--watch", "--count", "2", "--interval", "0.3"] + set.clientFlags)
        #expect(watched.status == 0, "\(watched.stderr)")
        #expect(watched.stdout.components(separatedBy: "4 of 4 up").count == 3, "two refreshes: \(watched.stdout)")
        let header = try #require(watched.stdout.split(separator: "\n").first { $0.hasPrefix("SERVICE") })
        #expect(header.split(separator: " ") == ["SERVICE", "ENDPOINT", "STATE", "UPTIME", "SEQ", "LAG", "REQ/S", "ERRORS", "DROPS"])
        let queryRow = try #require(watched.stdout.split(separator: "\n").last { $0.hasPrefix("query ") })
        #expect(queryRow.split(separator: " ").count == 9 && !queryRow.contains(" - "), "second refresh has a rate: \(queryRow)")

        let statuses = try await set.stop()
        #expect(statuses.values.allSatisfy { $0 == 0 }, "\(statuses)")
        for process in set.processes.values {
            #expect(process.log.last?.contains("stopped cleanly") == true, "\(process.name): \(process.log)")
        }
    }

    @Test("SIGINT stops a service cleanly too")
    func interrupt() async throws {
        let set = try await LocalSet.start(["query"])
        let query = try #require(set.process("query"))
        query.signal(SIGINT)
        #expect(try await query.waitForExit() == 0)
        #expect(query.log.contains { $0.contains("query info stopped cleanly") })
    }

    @Test("`ldn status` names each service that is down and how to start it, and exits 2")
    func reportsDown() async throws {
        let set = try await LocalSet.start(["evidence-store"])
        let run = try await ldn(["status", "--timeout", "0.5"] + set.clientFlags)
        #expect(run.status == 2)
        #expect(run.stdout.contains("evidence-store  \(set.store)"))
        for service in ["ingest", "query", "notifier"] {
            #expect(run.stderr.contains("\(service) is not running at "), "\(run.stderr)")
            #expect(run.stderr.contains("Start it with `ldn-\(service)`"))
        }
        #expect(!run.stderr.contains("evidence-store is not running"))
        _ = try await set.stop()
    }

    @Test("An endpoint that answers as another service is reported, not counted up")
    func wrongService() async throws {
        let set = try await LocalSet.start(["ingest"])
        let run = try await ldn(["status", "--timeout", "0.5", "--query", set.ingest, "--ingest", set.ingest,
                                 "--store", set.ingest, "--notifier", set.ingest])
        #expect(run.status == 2)
        #expect(run.stderr.contains("\(set.ingest) is the ingest service, not query"), "\(run.stderr)")
        _ = try await set.stop()
    }

    @Test("A service whose port is taken exits 1 with one clear line")
    func portTaken() async throws {
        let set = try await LocalSet.start(["evidence-store"])
        let second = try ServiceProcess("ldn-evidence-store", ["--bind", set.store, "--feed-bind", try freeEndpoint(),
                                                               "--data-dir", set.dataRoot.appendingPathComponent("other").path])
        #expect(try await second.waitForExit() == 1)
        let line = try await second.waitForLine("cannot start")
        #expect(line.contains("critical") && line.contains("Address already in use") && line.contains(set.store))
        _ = try await set.stop()
    }

    @Test("Settings come from LDN_* environment variables; JSON log lines on request")
    func environment() async throws {
        let endpoint = try freeEndpoint()
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-env-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let query = try ServiceProcess("ldn-query", environment: ["LDN_QUERY_BIND": endpoint, "LDN_LOG_FORMAT": "json",
                                                                  "LDN_DATA_DIR": data])
        let line = try await query.waitForLine("listening")
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        #expect(object?["service"] == "query" && object?["endpoint"] == endpoint && object?["level"] == "info")
        let run = try await ldn(["status", "--json", "--timeout", "0.5"], environment: ["LDN_QUERY_ENDPOINT": endpoint])
        let rows = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.first { $0["service"] as? String == "query" }?["up"] as? Bool == true)
        #expect(try await query.stop() == 0)
    }
}
