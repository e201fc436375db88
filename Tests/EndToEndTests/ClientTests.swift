import Foundation
import TestHarness
import Testing
import WireProtocol
import ZMQ

/// What a person at the terminal sees from `ldn` when something is wrong: a service that is
/// not running, a set that stops taking records part-way, a mistyped value or condition,
/// a bad CSV header. The real client against real services.
@Suite("ldn in front of a person", .serialized)
struct ClientTests {
    /// Every command, with what it needs to get as far as contacting its service.
    static func everyCommand(file: String) -> [[String]] {
        [["status"], ["submit", file], ["get", "1"], ["retract", "1", "--reason", "test"], ["query"],
         ["search", "pain"], ["summary", "crohns"], ["synthesize", "fibromyalgia", "--outcome", "pain"], ["export"], ["watch", "add", "w", "--condition", "ms"],
         ["watch", "list"], ["watch", "rm", "w"], ["watch", "resume", "w"], ["watch", "replay", "w", "--from", "1"],
         ["watch", "follow", "w"]]
    }

    @Test("Every command against a port where nothing listens fails at once, naming the service, the endpoint and how to start it",
          .timeLimit(.minutes(1)))
    func nothingListening() async throws {
        // Held bound, so no other test's service can take the port while this runs.
        let refusing = try RefusingPort()
        let endpoint = refusing.endpoint
        let environment = ["LDN_INGEST_ENDPOINT", "LDN_STORE_ENDPOINT", "LDN_QUERY_ENDPOINT", "LDN_NOTIFIER_ENDPOINT",
                           "LDN_NOTIFIER_STREAM_ENDPOINT"].reduce(into: [String: String]()) { $0[$1] = endpoint }
        let file = try temporaryFile("one.jsonl", #"{"title":"SYNTHETIC record","year":2020,"conditions":["ms"],"design":"cohort"}"# + "\n")
        var times: [Duration] = []
        for command in Self.everyCommand(file: file) {
            let started = ContinuousClock.now
            let run = try await ldn(command, environment: environment)
            let elapsed = ContinuousClock.now - started
            times.append(elapsed)
            #expect(run.status == 2, "\(command): exit \(run.status)\n\(run.stderr)")
            // The refusal itself is what the message below says was seen, not a reply timeout; the
            // median below says it is quick. One command alone has taken 9.1 s to start and fail
            // in the loaded first minutes of the suite on 2 cores: the bound is only against a
            // wait for timeouts and retries (10 s each).
            #expect(elapsed < .seconds(20), "\(command) took \(elapsed) to fail")
            #expect(run.stderr.contains("is not running at \(endpoint): the connection was refused (nothing listens there)"),
                    "\(command): \(run.stderr)")
            #expect(run.stderr.contains("Start it with `ldn-"), "\(command): \(run.stderr)")
            #expect(!run.stderr.contains("attempts of"), "\(command) waited for timeouts: \(run.stderr)")
        }
        // Typically 0.05-0.2 s each, process start included; a loaded machine (the full suite on
        // 2 cores) has shown 2 s. Waiting for the reply timeout would take 10 s or more.
        #expect(times.sorted()[times.count / 2] < .seconds(4), "median time to fail: \(times.sorted()[times.count / 2])")
        withExtendedLifetime(refusing) {}
    }

    @Test("A load stops at the first batch the set cannot take, says what was stored, and a re-run finishes it",
          .timeLimit(.minutes(2)))
    func loadStopsAndResumes() async throws {
        // A short store timeout in ingest, so that "unavailable" comes quickly.
        let set = try await LocalSet.start(["evidence-store", "ingest"], extraArguments: ["ingest": ["--store-timeout", "0.2"]])
        defer { set.killAll() }
        let count = 3000
        let lines = (1...count).map { number in
            #"{"title":"SYNTHETIC load record \#(number)","year":2020,"authors":["Synthetic A"],"conditions":["fibromyalgia"],"design":"cohort"}"#
        }
        let file = try temporaryFile("load.jsonl", lines.joined(separator: "\n") + "\n")
        let arguments = ["submit", file, "--ingest", set.ingest, "--batch-size", "5", "--in-flight", "1", "--retries", "0"]

        // Kill the store once part of the load is committed.
        async let load = ldn(arguments)
        try await eventually("the store commits part of the load", timeout: .seconds(60)) {
            ((try? await status(set.store))?.sequence?.head ?? 0) >= 50
        }
        try await set.kill9("evidence-store")
        let started = ContinuousClock.now
        let stopped = try await load
        #expect(ContinuousClock.now - started < .seconds(5), "the load went on after the store died")
        #expect(stopped.status == 2, "\(stopped.stderr.suffix(2000))")
        let done = try #require(stopped.stderr.firstMatch(of: /done before stopping: (\d+) of 3000 records \((\d+) accepted, 0 duplicate, 0 updated, 0 rejected\), through (\S+) line (\d+); (\d+) not confirmed\./),
                                "\(stopped.stderr.suffix(2000))")
        let (committed, accepted, through, line, unconfirmed) = (Int(done.1)!, Int(done.2)!, String(done.3), Int(done.4)!, Int(done.5)!)
        #expect(committed >= 50 && committed < count && accepted == committed && line == committed && unconfirmed == count - committed)
        #expect(through == file)
        #expect(stopped.stderr.contains("to go on, run the same command again"))

        // As the message says: the same command again stores the rest, and nothing twice.
        try await set.start("evidence-store")
        let resumed = try await ldn(arguments)
        #expect(resumed.status == 0, "\(resumed.stderr.suffix(2000))")
        let totals = try #require(resumed.stdout.firstMatch(of: /(\d+) accepted, (\d+) duplicate, 0 updated, 0 rejected/))
        let (newly, again) = (Int(totals.1)!, Int(totals.2)!)
        #expect(again >= committed && newly + again == count)
        #expect(try await status(set.store).sequence?.head == Int64(count))
        _ = try await set.stop()
    }

    @Test("With the store down from the start, nothing is stored and ldn says how to go on", .timeLimit(.minutes(1)))
    func storeDownFromTheStart() async throws {
        let set = try await LocalSet.start(["ingest"], extraArguments: ["ingest": ["--store-timeout", "0.2"]])
        defer { set.killAll() }
        let lines = (1...600).map { #"{"title":"SYNTHETIC record \#($0)","year":2020,"conditions":["ms"],"design":"cohort"}"# }
        let file = try temporaryFile("load.jsonl", lines.joined(separator: "\n") + "\n")
        let started = ContinuousClock.now
        // 120 batches sent one at a time: going on after the first failure would take 120 × 0.2 s.
        let run = try await ldn(["submit", file, "--ingest", set.ingest, "--retries", "0", "--batch-size", "5", "--in-flight", "1"])
        #expect(ContinuousClock.now - started < .seconds(10), "one failing batch is enough to stop")
        #expect(run.status == 2)
        #expect(run.stderr.contains("ingest is up but cannot do this now"), "\(run.stderr)")
        #expect(run.stderr.contains("nothing was stored: none of the 600 records was confirmed"), "\(run.stderr)")
        _ = try await set.stop()
    }

    @Test("Values match ignoring case, spaces and hyphens; usage errors exit 64, as documented", .timeLimit(.minutes(1)))
    func usage() async throws {
        let set = try await LocalSet.start(["evidence-store", "query"])
        defer { set.killAll() }
        let lenient = try await ldn(["query", "--design", "RCT", "--design", "Crossover RCT", "--min-certainty", "Very Low",
                                     "--direction", "No-Difference", "--sort", "Participants", "--query", set.query])
        #expect(lenient.status == 0, "\(lenient.stderr)")
        #expect(lenient.stdout.contains("No studies match."))
        let csv = try await ldn(["export", "--format", "CSV", "--query", set.query])
        #expect(csv.status == 0 && csv.stdout.hasPrefix("title,year"), "\(csv.stderr)")

        let wrong = try await ldn(["query", "--design", "randomised", "--query", set.query])
        #expect(wrong.status == 64)
        #expect(wrong.stderr.contains("rct"), "the allowed values are listed: \(wrong.stderr)")
        let help = try await ldn(["--help"])
        #expect(help.stdout.contains("64 the command line is wrong"))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("**64** the command line is wrong"))
        _ = try await set.stop()
    }

    @Test("An unknown condition is answered in plain words, with suggestions or the list of known conditions",
          .timeLimit(.minutes(1)))
    func unknownCondition() async throws {
        let set = try await LocalSet.start(["evidence-store", "query"])
        defer { set.killAll() }
        let cancer = try await ldn(["summary", "cancer", "--query", set.query])
        #expect(cancer.status == 1)
        #expect(cancer.stderr.contains("no condition is known as \"cancer\""), "\(cancer.stderr)")
        for (code, name) in [("crohns", "Crohn's disease"), ("ms", "Multiple sclerosis"), ("long-covid", "Long COVID")] {
            #expect(cancer.stderr.contains(try Regex("\(code) +\(name)")), "\(code) is listed: \(cancer.stderr)")
        }
        let misspelt = try await ldn(["query", "--condition", "fibromialgia", "--query", set.query])
        #expect(misspelt.status == 1)
        #expect(misspelt.stderr == "ldn: no condition is known as \"fibromialgia\"; did you mean fibromyalgia?\n")
        for run in [cancer, misspelt] {
            #expect(!run.stderr.contains("not_found") && !run.stderr.contains("answered"), "no protocol words: \(run.stderr)")
        }
        _ = try await set.stop()
    }

    @Test("A CSV header with several bad columns names every one of them")
    func csvColumns() async throws {
        let file = try temporaryFile("bad.csv", "titel,yaer,conditions,design,conditions,dosis\nA,2020,ms,rct,ms,4\n")
        let run = try await ldn(["submit", "--dry-run", file])
        #expect(run.status == 2)
        #expect(run.stderr.contains(#"unknown columns "titel" (did you mean "title"?), "yaer" (did you mean "year"?), "dosis""#),
                "\(run.stderr)")
        #expect(run.stderr.contains(#"repeated column "conditions""#), "\(run.stderr)")
    }

    @Test("run-local.sh started where another set runs stops what it started, says why, and exits 1",
          .timeLimit(.minutes(3)))
    func runLocalRefusesAnotherSet() async throws {
        let base = try freePortBlock(count: RunLocalSet.portSpan)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-run-local-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let first = try RunLocalSet(basePort: base, dataDirectory: data, arguments: ["--no-dataset"])
        try await first.ready()
        let firstServices = first.servicesRunning
        #expect(firstServices.count == 7, "the first set's seven services (the harvester among them) are found by their arguments")

        // The same ports and data folder, and it would load the dataset.
        let second = try RunLocalSet(basePort: base, dataDirectory: data)
        let exit = try await second.script.waitForExit(timeout: .seconds(60))
        let transcript = second.transcript
        #expect(exit == 1, "\(transcript)")
        #expect(!transcript.contains("the set is up") && !transcript.contains("loading the bundled dataset"), "\(transcript)")
        #expect(transcript.contains("run-local: exited at start:"), "\(transcript)")
        // The services' own words are quoted: whichever met the first set first (a port, or the
        // store's data folder) exited, and the script stopped the rest, which on a busy machine
        // may not have got as far as their own check.
        #expect(transcript.contains("Address already in use") || transcript.contains("is in use by another evidence-store"),
                "the services' own words are quoted: \(transcript)")
        #expect(second.servicesRunning == firstServices, "nothing the second started runs on; the first set's services do")

        // The first set is untouched: still up, still empty.
        let store = "tcp://127.0.0.1:\(base + 10)"
        #expect(try await status(store).sequence?.head == 0)
        #expect(try await first.stop() == 0)
    }

    @Test("The socket monitor reports a refused connection, and a connection that comes up", .timeLimit(.minutes(1)))
    func socketMonitor() throws {
        let context = try Context()
        let listener = try context.socket(.router)
        defer { listener.close() }
        try listener.set(.linger(milliseconds: 0))
        let open = try freeEndpoint()
        try listener.bind(open)
        let refusing = try RefusingPort()
        for (endpoint, expected) in [(refusing.endpoint, SocketEvent.Kind.connectRetried), (open, .handshakeSucceeded)] {
            let socket = try context.socket(.dealer)
            try socket.set(.linger(milliseconds: 0))
            let monitor = try socket.monitor()
            try socket.connect(endpoint)
            var seen: [SocketEvent] = []
            var poller = Poller()
            poller.add(monitor)
            let deadline = ContinuousClock.now + .seconds(5)
            while !seen.contains(where: { $0.kind == expected }), ContinuousClock.now < deadline {
                if try poller.poll(timeout: .milliseconds(100)) > 0, let event = try monitor.next() { seen.append(event) }
            }
            #expect(seen.contains { $0.kind == expected && $0.endpoint == endpoint }, "\(endpoint): \(seen)")
            monitor.close()
            socket.close()
        }
        withExtendedLifetime(refusing) {}
    }
}
