import EvidenceModel
import Foundation
import Testing
@testable import WireProtocol

/// `WireJSON.encode` writes Codable bodies itself: what it writes must read back the same,
/// and values with a hand-written form must come out exactly as that form.
@Suite("Codable bodies, written")
struct BodyEncoderTests {
    static let header = ChangeHeader(seq: 7, kind: .retract, recordID: 3, key: "pmid:1", version: 2, status: .retracted,
                                     committedAt: Date(timeIntervalSince1970: 1_700_000_000.25), reason: "SYNTHETIC")

    @Test("Members in declaration order, absent optionals left out, a nested hand-written value as its own bytes")
    func layout() {
        let text = String(decoding: WireJSON.encode(RetractReply(change: Self.header, changed: true)), as: UTF8.self)
        #expect(text == #"{"change":\#(String(decoding: Self.header.jsonData, as: UTF8.self)),"changed":true}"#)
        #expect(String(decoding: WireJSON.encode(GetRequest(id: 4)), as: UTF8.self) == #"{"id":4}"#)
        #expect(String(decoding: WireJSON.encode(EmptyBody()), as: UTF8.self) == "{}")
    }

    @Test("Nested objects and arrays, dictionaries and dates read back as they were written")
    func roundTrips() throws {
        let replica = ReplicaState(applied: 5, storeHead: 9, catchingUp: true)
        let study = SummaryStudy(id: 1, title: "SYNTHETIC \"quoted\" / slashed", year: 2020, design: .rct, certainty: .moderate,
                                 participants: nil, doi: "10.5555/x", pmid: nil)
        let summary = SummaryReply(
            condition: "ms", name: "Multiple sclerosis", studies: 2, participants: 40,
            byDesign: [.init(design: .rct, studies: 1, participants: 30), .init(design: .cohort, studies: 1, participants: 10)],
            byCertainty: [.init(certainty: .moderate, studies: 2)],
            outcomes: [.init(measure: "fatigue", improved: 1, noDifference: 1, worsened: 0, mixed: 0)],
            doseMinMg: 1.5, doseMaxMg: 4.5, strongest: [study], latest: study, replica: replica)
        let read = try WireJSON.decode(SummaryReply.self, from: WireJSON.encode(summary), strict: true)
        #expect(read.byDesign == summary.byDesign && read.outcomes == summary.outcomes && read.strongest == [study])
        #expect(read.latest == study && read.doseMaxMg == 4.5 && read.replica == replica && read.replica.lag == 4)

        let letter = DeadLetter(watch: "w", seq: 2, key: nil, attempts: 3, lastStatus: 500, lastError: "SYNTHETIC",
                                at: Date(timeIntervalSince1970: 1_700_000_000))
        let list = WatchListReply(watches: [], deadLetters: [letter], storeHead: 9)
        let text = String(decoding: WireJSON.encode(list), as: UTF8.self)
        #expect(text.contains(#""at":"2023-11-14T22:13:20Z""#))
        #expect(try WireJSON.decode(WatchListReply.self, from: Data(text.utf8), strict: true).deadLetters == [letter])

        let page = ChangesReply(changes: [Self.header, Self.header], head: 7)
        let again = try WireJSON.decode(ChangesReply.self, from: WireJSON.encode(page), strict: true)
        #expect(again.changes == page.changes && again.head == 7)
    }

    @Test("A dictionary's keys are sorted, so the same body is always the same bytes")
    func sortedDictionaries() {
        let counters = ["b": 2, "a": 1, "c.d": 3]
        #expect(String(decoding: WireJSON.encode(counters), as: UTF8.self) == #"{"a":1,"b":2,"c.d":3}"#)
    }

    @Test("A number JSON cannot hold is an encoding error, not a malformed body")
    func nonFinite() {
        #expect(throws: EncodingError.self) { try BodyEncoder.encode(["gauge": Double.nan]) }
    }
}
