import Foundation
import TestHarness
import Testing

/// True when `python3` can import pyzmq (`.ci/run` installs it).
let pyzmqAvailable: Bool = {
    (try? ChildProcess(executable: "/usr/bin/env", arguments: ["python3", "-c", "import zmq"]))?.waitUntilExit() == 0
}()

@Suite("docs/PROTOCOL.md is enough to write a client", .serialized)
struct ProtocolDocumentationTests {
    @Test("The Python client from PROTOCOL.md gets status from every service, structured errors for bad requests, and submits and gets a record",
          .enabled(if: pyzmqAvailable, "needs python3 with pyzmq: pip install pyzmq"))
    func pythonClient() async throws {
        let set = try await LocalSet.start()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/protocol_check.py").path
        let output = try await run("/usr/bin/env", ["python3", script, "ingest=\(set.ingest)", "evidence-store=\(set.store)",
                                                    "query=\(set.query)", "notifier=\(set.notifier)"])
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        #expect(output.stdout.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count == 6, "\(output.stdout)")
        #expect(output.stdout.contains("ok contract:"))
        #expect(output.stdout.contains("ok intake: submit, then get by PMID"))
        _ = try await set.stop()
    }

    @Test("The webhook verification snippet in PROTOCOL.md is the one the test receiver runs")
    func verificationSnippet() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let protocolText = try String(contentsOf: root.appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8)
        let receiver = try String(contentsOf: root.appendingPathComponent("Tests/python/webhook_receiver.py"), encoding: .utf8)
        func verifyFunction(_ text: String, endingBefore end: String) -> String? {
            guard let start = text.range(of: "def verify("), let stop = text.range(of: end, range: start.upperBound..<text.endIndex)
            else { return nil }
            return text[start.lowerBound..<stop.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let documented = try #require(verifyFunction(protocolText, endingBefore: "```"))
        #expect(verifyFunction(receiver, endingBefore: "\ndef ") == documented)
    }
}
