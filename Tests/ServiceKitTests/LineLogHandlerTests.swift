import Foundation
import Logging
import Testing
@testable import ServiceKit

@Suite("Log lines")
struct LineLogHandlerTests {
    @Test("Text lines: time, service, level, message, then sorted key=value pairs, quoted when needed")
    func textLine() {
        let handler = LineLogHandler(service: "evidence-store", format: .text, level: .info)
        let line = handler.textLine(.info, "committed", ["seq": "480", "request.id": "r-1", "note": "two words"])
        let parts = line.split(separator: " ", maxSplits: 1)
        #expect(parts[0].hasSuffix("Z"), "UTC timestamp")
        #expect(parts[1] == #"evidence-store info committed note="two words" request.id=r-1 seq=480"#)
    }

    @Test("A multi-line message still logs as one line")
    func oneLine() {
        let handler = LineLogHandler(service: "query", format: .text, level: .info)
        #expect(!handler.textLine(.error, "first\nsecond", [:]).contains("\n"))
    }

    @Test("JSON lines carry ts, service, level, msg and the metadata")
    func jsonLine() throws {
        let handler = LineLogHandler(service: "ingest", format: .json, level: .info)
        let line = handler.jsonLine(.warning, "slow store", ["request.id": "abc"])
        let object = try JSONDecoder().decode([String: String].self, from: Data(line.utf8))
        #expect(object["service"] == "ingest" && object["level"] == "warning" && object["msg"] == "slow store")
        #expect(object["request.id"] == "abc" && object["ts"] != nil)
    }
}
