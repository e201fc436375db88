import EvidenceModel
import Foundation
import Testing
@testable import WireProtocol

/// Request bodies are decoded strictly: what a client misspells or mistypes, at any depth,
/// is an `invalid_request` naming the field, and no number can overflow.
@Suite("Strict request bodies")
struct StrictBodyTests {
    func request(_ type: String, _ body: String) -> Request {
        Request(type: type, id: "t-1", body: Data(body.utf8))
    }

    @Test("A misspelt filter field is refused with its path and the nearest name, not ignored")
    func nestedUnknownField() {
        let error = #expect(throws: ErrorBody.self) {
            try request("query", #"{"filter":{"condtion":"crohns"}}"#).decodeBody(QueryRequest.self)
        }
        #expect(error?.code == .invalidRequest)
        #expect(error?.details.first?.field == "filter.condtion")
        #expect(error?.details.first?.message == #"unknown field (did you mean "condition"?)"#)
    }

    @Test("Bodies of messages without fields refuse any field: status, watch.list")
    func emptyBodies() throws {
        _ = try request("status", "{}").decodeBody(EmptyBody.self)
        let error = #expect(throws: ErrorBody.self) { try request("status", #"{"verbose":true}"#).decodeBody(EmptyBody.self) }
        #expect(error?.details.first?.field == "verbose")
    }

    @Test("Integers must be whole and in range: 1e19, 2^63 and 2.5 are errors, 2^53 + 1 stays exact", arguments: [
        ("1e19", nil), ("9223372036854775808", nil), ("2.5", nil), ("1e300", nil), ("-1", -1),
        ("9007199254740993", 9_007_199_254_740_993), ("3.0", 3),
    ] as [(String, Int64?)])
    func integers(number: String, expected: Int64?) throws {
        let body = request("changes", #"{"after":\#(number),"limit":10}"#)
        if let expected {
            #expect(try body.decodeBody(ChangesRequest.self).after == expected)
        } else {
            let error = #expect(throws: ErrorBody.self) { try body.decodeBody(ChangesRequest.self) }
            #expect(error?.details.first?.field == "after")
            #expect(error?.message.contains("expected a whole number") == true)
        }
    }

    @Test("Wrong types name the field and what was expected; array elements carry their index")
    func wrongTypes() {
        let error = #expect(throws: ErrorBody.self) {
            try request("query", #"{"filter":{"design":["rct",7]}}"#).decodeBody(QueryRequest.self)
        }
        #expect(error?.details.first?.field == "filter.design[1]")
        let missing = #expect(throws: ErrorBody.self) { try request("summary", "{}").decodeBody(SummaryRequest.self) }
        #expect(missing?.details.first == ErrorDetail(field: "condition", message: "is required"))
    }

    @Test("Hand-written intake bodies refuse unknown fields too, inside provenance as well")
    func intakeBodies() {
        let top = #expect(throws: ErrorBody.self) { try request("submit", #"{"submiter":"a"}"#).decodeBody(SubmitRequest.self) }
        #expect(top?.details.first?.field == "submiter")
        let nested = #expect(throws: ErrorBody.self) {
            try request("submit", #"{"provenance":[{"record_numbr":1}]}"#).decodeBody(SubmitRequest.self)
        }
        #expect(nested?.details.first?.field == "provenance.record_numbr")
        let overflow = #expect(throws: ErrorBody.self) {
            try request("submit", #"{"provenance":[{"record_number":1e300,"line":1e19}]}"#).decodeBody(SubmitRequest.self)
        }
        #expect(overflow?.code == .invalidRequest)
    }

    @Test("Replies are read leniently: a newer service may add fields")
    func lenientReplies() throws {
        let data = Data(#"{"condition":"ms","future_field":1}"#.utf8)
        #expect(try WireJSON.decode(SummaryRequest.self, from: data).condition == "ms")
    }

    @Test("A reply without a member it needs names that member; an error inside a hand-written value names its whole path")
    func missingNestedMember() {
        let missing = #expect(throws: DecodingError.self) {
            try WireJSON.decode(QueryReply.self, from: Data(#"{"total":0,"hits":[]}"#.utf8))
        }
        #expect(missing?.fieldPath == "replica")
        let header = #"{"seq":1,"kind":"insert","record_id":1,"key":"pmid:1","version":1,"status":"active","committed_at":"yesterday"}"#
        let inside = #expect(throws: JSONShapeError.self) {
            try WireJSON.decode(ChangesReply.self, from: Data(#"{"changes":[\#(header)],"head":1}"#.utf8))
        }
        #expect(inside?.path == "changes[0].committed_at")
    }
}
