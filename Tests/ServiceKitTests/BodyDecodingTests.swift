import Foundation
import Testing
@testable import WireProtocol

struct Filter: Codable {
    var condition: String
    var limit: Int?
}

@Suite("Request bodies")
struct BodyDecodingTests {
    @Test("Decodes a body, ignoring null members")
    func decodes() throws {
        let request = Request(type: "query", id: "1", body: Data(#"{"condition":"ms","limit":null}"#.utf8))
        let filter = try request.decodeBody(Filter.self)
        #expect(filter.condition == "ms" && filter.limit == nil)
    }

    @Test("A misspelt field is invalid_request naming it")
    func unknownField() {
        let request = Request(type: "query", id: "1", body: Data(#"{"condition":"ms","limt":5}"#.utf8))
        let error = #expect(throws: ErrorBody.self) { try request.decodeBody(Filter.self) }
        #expect(error?.code == .invalidRequest)
        #expect(error?.message == "query body: field \"limt\": unknown field (did you mean \"limit\"?)")
        #expect(error?.details == [ErrorDetail(field: "limt", message: "unknown field (did you mean \"limit\"?)")])
    }

    @Test("A missing or mistyped field is invalid_request naming it")
    func wrongFields() {
        let missing = Request(type: "query", id: "1", body: Data("{}".utf8))
        #expect(throws: ErrorBody.self) { try missing.decodeBody(Filter.self) }
        let error = #expect(throws: ErrorBody.self) {
            try Request(type: "query", id: "1", body: Data(#"{"condition":3}"#.utf8)).decodeBody(Filter.self)
        }
        #expect(error?.message == "query body: field \"condition\": expected a string, found a number")
    }
}
