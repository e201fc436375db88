import EvidenceModel
import Foundation
import Testing
@testable import WireProtocol

/// Codable bodies name each field once, by its property: the wire name is the property's
/// name in snake_case. These are the names docs/PROTOCOL.md gives; a change here is a
/// change of the protocol.
@Suite("Wire names of Codable bodies")
struct WireNameTests {
    @Test("Property names become snake_case, an acronym as one word; snake_case names stay", arguments: [
        ("storeHead", "store_head"), ("recordID", "record_id"), ("nextAfterID", "next_after_id"), ("doseMinMg", "dose_min_mg"),
        ("includeNeedsReview", "include_needs_review"), ("URLValue", "url_value"), ("no_difference", "no_difference"),
        ("seq", "seq"), ("protocol", "protocol"),
    ])
    func names(swift: String, wire: String) {
        #expect(WireKey.name(swift) == wire)
    }

    @Test("A body is written and read with the names PROTOCOL.md gives, strictly")
    func filterNames() throws {
        let filter = EvidenceFilter(condition: "ms", minCertainty: .moderate, yearFrom: 2010, minParticipants: 20,
                                    includeNeedsReview: true)
        let json = try JSONParser.parse(WireJSON.encode(filter))
        #expect(json == .object([("condition", .string("ms")), ("min_certainty", .string("moderate")),
                                 ("year_from", .number(.integer(2010))), ("min_participants", .number(.integer(20))),
                                 ("include_needs_review", .bool(true))]))
        let request = Request(type: MessageType.query, id: "t-1",
                              body: Data(#"{"filter":{"min_certainty":"moderate","year_from":2010}}"#.utf8))
        #expect(try request.decodeBody(QueryRequest.self).filter == EvidenceFilter(minCertainty: .moderate, yearFrom: 2010))
        let camel = Request(type: MessageType.query, id: "t-2", body: Data(#"{"filter":{"minCertainty":"moderate"}}"#.utf8))
        let error = #expect(throws: ErrorBody.self) { try camel.decodeBody(QueryRequest.self) }
        #expect(error?.details.first?.field == "filter.minCertainty")
        #expect(error?.details.first?.message == #"unknown field (did you mean "min_certainty"?)"#)
        let missing = #expect(throws: ErrorBody.self) {
            try Request(type: MessageType.watchReplay, id: "t-3", body: Data(#"{"name":"a"}"#.utf8)).decodeBody(WatchReplayRequest.self)
        }
        #expect(missing?.details.first?.field == "from")
    }

    @Test("Keys that are data stay as they are: a dictionary's (a watch's gauges) and a JSON value's")
    func dataKeys() throws {
        var status = StatusReply(service: "notifier", version: "1", instance: "h:1", startedAt: Date(timeIntervalSince1970: 0),
                                 uptimeSeconds: 1, endpoints: ["requests": "tcp://127.0.0.1:1"], counters: ["changes.skipped": 0])
        status.gauges = ["watch.MyWatch.lag": 2]
        status.lastSkipped = SkippedChange(seq: 3, recordID: 4, key: nil, reason: "r", at: Date(timeIntervalSince1970: 0))
        let data = WireJSON.encode(status)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""gauges":{"watch.MyWatch.lag":2}"#))
        #expect(text.contains(#""protocol":"#) && text.contains(#""last_skipped":{"#) && text.contains(#""record_id":4"#))
        let read = try WireJSON.decode(StatusReply.self, from: data, strict: true)
        #expect(read.gauges == ["watch.MyWatch.lag": 2] && read.lastSkipped?.recordID == 4 && read.protocolVersion == Wire.version)

        let value = JSONValue.object([("resourceType", .string("Evidence"))])
        #expect(String(decoding: WireJSON.encode(["record": value]), as: UTF8.self) == #"{"record":{"resourceType":"Evidence"}}"#)
    }
}
