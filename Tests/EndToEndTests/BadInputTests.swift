import Foundation
import TestHarness
import Testing
import WireProtocol
import ZMQ

@Suite("Bad frames against the real services", .serialized)
struct BadInputTests {
    /// Sends raw frames as a DEALER would and returns the decoded error code.
    func errorCode(_ frames: [String], to endpoint: String, context: Context) async throws -> ErrorCode? {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    let socket = try context.socket(.dealer)
                    defer { socket.close() }
                    try socket.set([.linger(milliseconds: 0), .receiveTimeout(milliseconds: 5000)])
                    try socket.connect(endpoint)
                    try socket.send([Data()] + frames.map { Data($0.utf8) })
                    guard let reply = try socket.receive(), let parsed = Reply.parse(reply.dropFirst()), !parsed.isOK else { return nil }
                    return try WireJSON.decode(ErrorBody.self, from: parsed.body).code
                })
            }.start()
        }
    }

    @Test("Each service answers malformed requests with bad_frame / bad_json and keeps running")
    func malformedRequests() async throws {
        let set = try await LocalSet.start()
        let context = try Context()
        for endpoint in [set.ingest, set.store, set.query, set.notifier] {
            #expect(try await errorCode(["LDN/1", "status"], to: endpoint, context: context) == .badFrame)
            #expect(try await errorCode(["garbage"], to: endpoint, context: context) == .badFrame)
            #expect(try await errorCode(["LDN/1", "status", "r1", "{oops"], to: endpoint, context: context) == .badJSON)
            #expect(try await errorCode(["LDN/9", "status", "r1", "{}"], to: endpoint, context: context) == .unsupportedVersion)
        }
        let after = try await ldn(["status"] + set.clientFlags)
        #expect(after.status == 0, "every service still answers: \(after.stderr)")
        let statuses = try await set.stop()
        #expect(statuses.values.allSatisfy { $0 == 0 })
    }

    @Test("A malformed setting in the environment stops a service at start, naming the variable; it is never replaced by the default",
          arguments: [("LDN_MAX_MESSAGE_BYTES", "16MB", "a whole number"), ("LDN_STATS_INTERVAL", "nan", "a number"),
                      ("LDN_LOG_LEVEL", "verbose", "one of trace")])
    func malformedSetting(variable: String, value: String, expected: String) async throws {
        let ingest = try ServiceProcess("ldn-ingest", ["--bind", "tcp://127.0.0.1:*"], environment: [variable: value])
        #expect(try await ingest.waitForExit() != 0)
        #expect(ingest.log.contains { $0.contains("\(variable)=\(value) is not \(expected)") }, "\(ingest.log)")
    }
}
