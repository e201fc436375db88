import Foundation
import TestHarness
import Testing
import ZMQ

/// The two tests that load the machine on purpose, one after the other: the fuzz test's
/// load would otherwise be counted against the responsiveness test's status latency.
@Suite("Hostile load", .serialized)
struct HostileLoadTests {}

extension HostileLoadTests {
    @Suite("Wire fuzz: thousands of malformed messages against every real service", .serialized)
    struct WireFuzzTests {
        /// A small limit keeps the messages around it cheap; the code path is the default one's.
        static let maxMessageBytes = 256 << 10
        static let groupSize = 100
        static let randomCasesPerService = 400
        /// How much a service's resident memory may grow over its size after start.
        static let memoryAllowance = 256 << 20
        /// A crashed service is restarted to go on with its cases, up to this many times
        /// (LDN_FUZZ_MAX_CRASHES, for a run that collects every crash).
        static let maxCrashesPerService = ProcessInfo.processInfo.environment["LDN_FUZZ_MAX_CRASHES"].flatMap { Int($0) } ?? 2

        @Test("Every service answers every malformed message with a well-formed reply (a documented error code), stays up and keeps its memory bounded",
              .timeLimit(.minutes(3)))
        func fuzz() async throws {
            let seed = ProcessInfo.processInfo.environment["LDN_FUZZ_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64.max)
            print("wire fuzz: seed \(seed) (run again with LDN_FUZZ_SEED=\(seed))")
            let started = ContinuousClock.now
            let generator = WireFuzzGenerator(seed: seed, maxMessageBytes: Self.maxMessageBytes)
            let codes = try documentedErrorCodes()
            #expect(codes.count >= 10 && codes.contains("too_large"), "the error table of docs/PROTOCOL.md section 3 was read: \(codes)")

            let set = try await LocalSet.start(environment: ["LDN_MAX_MESSAGE_BYTES": "\(Self.maxMessageBytes)"])
            let reports = try await withThrowingTaskGroup(of: FuzzReport.self) { group in
                for service in LocalSet.allServices {
                    let cases = generator.cases(for: service, randomCount: Self.randomCasesPerService)
                    group.addTask { try await Self.fuzz(service, in: set, cases: cases, codes: codes, seed: seed) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for report in reports.sorted(by: { $0.service < $1.service }) { print("wire fuzz: \(report)") }
            let total = reports.reduce(0) { $0 + $1.sent }
            print("wire fuzz: \(total) messages to \(reports.count) services in \(ContinuousClock.now - started), seed \(seed)")

            for service in LocalSet.allServices {
                let endpoint = Self.endpoint(service, in: set)
                #expect((try? await status(endpoint)) != nil, "\(service) answers status after the fuzz")
            }
            #expect(reports.allSatisfy { $0.crashes.isEmpty }, "every service stayed up")
            let exits = try await set.stop()
            #expect(exits.values.allSatisfy { $0 == 0 }, "each stops cleanly: \(exits)")
        }

        static func endpoint(_ service: String, in set: LocalSet) -> String {
            ["ingest": set.ingest, "evidence-store": set.store, "query": set.query, "notifier": set.notifier][service]!
        }

        /// Sends one service its cases a group at a time; after each group, checks that it still
        /// answers `status` and that its memory stays within the allowance.
        static func fuzz(_ service: String, in set: LocalSet, cases: [WireFuzzGenerator.Case], codes: Set<String>,
                         seed: UInt64) async throws -> FuzzReport {
            let endpoint = endpoint(service, in: set)
            var report = FuzzReport(service: service)
            var baseline = try #require(ProcessMemory(pid: set.process(service)!.pid)).resident

            var index = 0
            while index < cases.count {
                let group = Array(cases[index..<min(index + groupSize, cases.count)])
                let outcome = try await offPool { try send(group, to: endpoint, codes: codes) }
                report.sent += outcome.sent
                report.answered += outcome.answered
                report.unansweredAsExpected += outcome.unansweredAsExpected
                report.slowest = Array((report.slowest + outcome.slowest).sorted { $0.duration > $1.duration }.prefix(5))
                for problem in outcome.problems {
                    Issue.record("\(service): \(problem) (seed \(seed))")
                }
                index += outcome.sent

                let process = set.process(service)!
                let answersStatus = outcome.stalled == nil ? (try? await status(endpoint)) != nil : false
                if !answersStatus {
                    try? await eventually("\(service) exits", timeout: .seconds(3)) { process.exitStatus != nil }
                    let culprit = outcome.stalled.map { "on case \(describe($0))" } ?? "after its last group (not on a message sent to it)"
                    let crash = "\(service) \(process.exitStatus.map { "died (exit \($0))" } ?? "stopped answering") \(culprit); "
                        + "its log:\n" + crashLines(process.log).joined(separator: "\n")
                    Issue.record("\(crash)\n(seed \(seed))")
                    report.crashes.append(crash)
                    guard report.crashes.count <= maxCrashesPerService else { break }
                    process.signal(SIGKILL)
                    _ = try? await process.waitForExit()
                    try await set.start(service)
                    baseline = try #require(ProcessMemory(pid: set.process(service)!.pid)).resident
                    continue
                }
                let memory = try #require(ProcessMemory(pid: process.pid))
                report.peakResident = max(report.peakResident, memory.resident)
                if memory.resident > baseline + memoryAllowance {
                    Issue.record("\(service) grew from \(baseline >> 20) MB to \(memory.resident >> 20) MB by case \(group.last!.id) (seed \(seed))")
                }
            }
            return report
        }

        struct GroupOutcome: Sendable {
            var sent = 0
            var answered = 0
            var unansweredAsExpected = 0
            var problems: [String] = []
            /// The case after which no reply came: the service may have died on it.
            var stalled: WireFuzzGenerator.Case?
            /// The slowest answers, to see where the time goes.
            var slowest: [(id: String, duration: Duration)] = []
        }

        /// Sends each case and checks its reply, on the calling thread (not the pool). Stops at
        /// the first case that gets no reply when one is due.
        static func send(_ cases: [WireFuzzGenerator.Case], to endpoint: String, codes: Set<String>) throws -> GroupOutcome {
            var outcome = GroupOutcome()
            let context = try Context()
            var socket = try dealer(context, endpoint)
            defer { socket.close() }
            for fuzzCase in cases {
                let started = ContinuousClock.now
                defer {
                    outcome.slowest.append((fuzzCase.id, ContinuousClock.now - started))
                    outcome.slowest = Array(outcome.slowest.sorted { $0.duration > $1.duration }.prefix(5))
                }
                try socket.send(fuzzCase.frames)
                outcome.sent += 1
                if !fuzzCase.expectsReply {
                    // libzmq drops the connection: nothing may come back. A fresh socket, so that
                    // nothing queued on the dropped connection is lost.
                    try socket.set(.receiveTimeout(milliseconds: 300))
                    if let reply = try socket.receive() {
                        outcome.problems.append("case \(describe(fuzzCase)) was answered, though libzmq should drop it: \(describe(reply))")
                    } else {
                        outcome.unansweredAsExpected += 1
                    }
                    socket.close()
                    socket = try dealer(context, endpoint)
                    continue
                }
                guard let reply = try socket.receive() else {
                    outcome.stalled = fuzzCase
                    return outcome
                }
                outcome.answered += 1
                if let problem = problem(with: reply, to: fuzzCase, codes: codes) {
                    outcome.problems.append("case \(describe(fuzzCase)): \(problem); reply \(describe(reply))")
                }
            }
            return outcome
        }

        static func dealer(_ context: Context, _ endpoint: String) throws -> Socket {
            let socket = try context.socket(.dealer)
            try socket.set([.linger(milliseconds: 0), .receiveTimeout(milliseconds: 20_000)])
            try socket.connect(endpoint)
            return socket
        }

        /// What is wrong with a reply, if anything: frames of docs/PROTOCOL.md 2.1, a JSON object
        /// body, a documented error code, the type and id echoed (or empty when unreadable).
        static func problem(with reply: Multipart, to fuzzCase: WireFuzzGenerator.Case, codes: Set<String>) -> String? {
            let delimited = fuzzCase.frames.first?.isEmpty == true
            if delimited != (reply.first?.isEmpty == true) { return "the delimiter frame is not echoed as sent" }
            let frames = Array(reply.dropFirst(delimited ? 1 : 0))
            guard frames.count >= 5 else { return "\(frames.count) frames after the delimiter, expected at least 5" }
            guard frames[0] == Data("LDN/1".utf8) else { return "frame 1 is not LDN/1" }
            let sent = Array(fuzzCase.frames.dropFirst(delimited ? 1 : 0))
            let sentType = sent.count > 1 ? sent[1] : Data(), sentID = sent.count > 2 ? sent[2] : Data()
            guard frames[1].isEmpty || frames[1] == sentType else { return "the type is neither echoed nor empty" }
            guard frames[2].isEmpty || frames[2] == sentID else { return "the request id is neither echoed nor empty" }
            guard let body = try? JSONSerialization.jsonObject(with: frames[4]) as? [String: Any] else {
                return "the body is not a JSON object"
            }
            switch frames[3] {
            case Data("ok".utf8):
                if let index = frames.dropFirst(5).firstIndex(where: { (try? JSONSerialization.jsonObject(with: $0, options: .fragmentsAllowed)) == nil }) {
                    return "attachment \(index - 5) is not JSON: \(String(decoding: frames[index].prefix(300), as: UTF8.self).debugDescription)"
                }
                if let expected = fuzzCase.expectedCode { return "answered ok, expected \(expected)" }
            case Data("error".utf8):
                guard let code = body["code"] as? String, codes.contains(code) else {
                    return "error code \(String(describing: body["code"])) is not one of docs/PROTOCOL.md section 3"
                }
                guard body["message"] is String, body["details"] is [Any] else { return "an error body without message or details" }
                if fuzzCase.expectsOK { return "answered \(code), expected ok" }
                if let expected = fuzzCase.expectedCode, expected != code { return "answered \(code), expected \(expected)" }
            default:
                return "frame 4 is neither ok nor error"
            }
            return nil
        }

        /// The error codes of the table in docs/PROTOCOL.md section 3.
        func documentedErrorCodes() throws -> Set<String> {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let text = try String(contentsOf: root.appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8)
            guard let start = text.range(of: "\n## 3. Errors"), let end = text.range(of: "\n## 4.", range: start.upperBound..<text.endIndex)
            else { throw TestFailure("docs/PROTOCOL.md has no section 3") }
            let rows = text[start.upperBound..<end.lowerBound].split(separator: "\n").filter { $0.hasPrefix("| `") }
            return Set(rows.compactMap { $0.split(separator: "`").dropFirst().first.map(String.init) })
        }

        /// What a log says about a crash: the fatal error and the project's own frames, or its last lines.
        static func crashLines(_ log: [String]) -> [String] {
            let telling = log.filter { $0.contains("Fatal error") || $0.contains("Program crashed") || $0.contains("/Services/")
                || $0.contains("/Shared/") }
            return telling.isEmpty ? Array(log.suffix(8)) : Array(telling.prefix(12))
        }

        /// A case as a reproducer: its id and its frames, readable where they are text.
        static func describe(_ fuzzCase: WireFuzzGenerator.Case) -> String {
            "\(fuzzCase.id) frames \(describe(fuzzCase.frames))"
        }

        static func describe(_ frames: Multipart) -> String {
            "[" + frames.map { frame -> String in
                if frame.count <= 160, let text = String(validating: frame, as: UTF8.self),
                   !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" }) {
                    return text.debugDescription
                }
                return "<\(frame.count) bytes: \(frame.prefix(24).map { String(format: "%02x", $0) }.joined())…>"
            }.joined(separator: ", ") + "]"
        }
    }

}

/// What one service went through.
struct FuzzReport: Sendable, CustomStringConvertible {
    let service: String
    var sent = 0
    var answered = 0
    var unansweredAsExpected = 0
    var crashes: [String] = []
    var peakResident = 0
    var slowest: [(id: String, duration: Duration)] = []

    var description: String {
        "\(service): sent \(sent), answered \(answered), dropped by libzmq as expected \(unansweredAsExpected), "
            + "crashes \(crashes.count), largest RSS \(peakResident >> 20) MB; slowest: "
            + slowest.map { "\($0.id) \($0.duration.components.seconds * 1000 + $0.duration.components.attoseconds / 1_000_000_000_000_000) ms" }.joined(separator: ", ")
    }
}
