import EvidenceModel
import Foundation
import SyntheticData
import Testing
import WireProtocol
@testable import Query

/// One filter language (`EvidenceFilter.predicates`), rendered twice: as SQL in the query
/// replica, as Swift in the notifier's watches. On generated records and filters they must
/// pick the same records, or a watch would announce what a query does not show (or stay
/// silent about what it does).
@Suite("Filters: the replica's SQL and the watches' Swift matcher agree")
struct FilterAgreementTests {
    static let seed: UInt64 = 0x5EED_F117
    static let words = ["Crohn's", "crohns", "naïve", "naive", "COVID-19", "quality-of-life", "Pain", "pain", "sleep",
                        "mucosal", "healing", "fibromyalgia", "MS", "glial", "cells", "patients'", "dose", "dreams"]
    static let dois = ["10.5555/agree.1", "10.5555/agree.2", "10.5555/AGREE.3"]
    static let pmids = ["1000001", "1000002", "1000003"]
    static let ncts = ["NCT00000101", "NCT00000102"]

    @Test("Generated records and filters: the same records pass both")
    func agreement() async throws {
        var random = SeededGenerator(seed: Self.seed)
        let fixture = try ReplicaFixture()
        var stored: [(id: Int64, record: EvidenceRecord, status: RecordStatus)] = []
        for id in 1...300 {
            let record = Self.record(&random, id: id)
            let status = random.pick([RecordStatus.active, .active, .active, .retracted, .needsReview])
            try await fixture.replica.apply([fixture.change(Int64(id), record, status: status)])
            stored.append((Int64(id), record, status))
        }
        var compared = 0, nonEmpty = 0
        for _ in 0..<600 {
            let filter = try Self.filter(&random).resolved()
            let sql = try await fixture.replica.query(filter, sort: .id, limit: 500, offset: 0)
            let swift = stored.filter { filter.matches($0.record, status: $0.status) }.map(\.id)
            #expect(sql.hits.map(\.id) == swift, "seed \(Self.seed), filter \(filter)")
            #expect(sql.total == swift.count)
            compared += 1
            if !swift.isEmpty { nonEmpty += 1 }
        }
        #expect(compared == 600 && nonEmpty > 150, "the filters select something often enough to mean something: \(nonEmpty)")
    }

    /// A SYNTHETIC record with random fields from small pools, so that filters hit.
    static func record(_ random: inout SeededGenerator, id: Int) -> EvidenceRecord {
        func text(_ count: Int) -> String { (0..<count).map { _ in random.pick(words) }.joined(separator: " ") }
        let codes = ConditionVocabulary.concepts.map(\.code) + ["other:pots"]
        var conditions = [random.pick(codes)]
        if random.oneIn(3) { conditions.append(random.pick(codes)) }
        let outcomes = (0..<random.next(below: 3)).map { _ in
            Outcome(measure: random.pick(OutcomeVocabulary.codes + ["walking speed"]),
                    direction: random.pick([Direction.improved, .noDifference, .worsened, .mixed]))
        }
        let json = EvidenceRecord(
            title: "SYNTHETIC \(id) " + text(4), year: 2000 + random.next(below: 26), conditions: conditions,
            design: random.pick(StudyDesign.allCases), identifiers: Identifiers(
                doi: random.oneIn(3) ? random.pick(dois) : nil, pmid: random.oneIn(3) ? random.pick(pmids) : nil,
                nct: random.oneIn(4) ? random.pick(ncts) : nil),
            participants: random.oneIn(4) ? nil : random.next(below: 400), outcomes: outcomes,
            adverseEvents: random.oneIn(2) ? [text(2)] : [], certainty: random.oneIn(2) ? random.pick(Certainty.allCases) : nil,
            summary: random.oneIn(3) ? nil : text(8)).json
        return RecordIntake.evaluate(json).record!
    }

    /// A filter using a random few of the language's fields, written as users write them.
    static func filter(_ random: inout SeededGenerator) -> EvidenceFilter {
        var filter = EvidenceFilter()
        if random.oneIn(2) {
            let concept = random.pick(ConditionVocabulary.concepts)
            filter.condition = random.oneIn(2) ? concept.code : random.pick(concept.synonyms)
        }
        // An empty list narrows nothing, in both (the watches' matcher once let nothing through).
        if random.oneIn(4) { filter.design = (0..<random.next(below: 4)).map { _ in random.pick(StudyDesign.allCases) } }
        if random.oneIn(4) { filter.minCertainty = random.pick(Certainty.allCases) }
        if random.oneIn(4) { filter.yearFrom = 2000 + random.next(below: 26) }
        if random.oneIn(4) { filter.yearTo = max(filter.yearFrom ?? 2000, 2000 + random.next(below: 26)) }
        if random.oneIn(4) { filter.outcome = random.pick(["pain intensity", "sleep", "QoL", "walking speed", "mood"]) }
        if random.oneIn(4) { filter.direction = random.pick([Direction.improved, .noDifference, .worsened, .mixed]) }
        if random.oneIn(5) { filter.minParticipants = random.next(below: 300) }
        if random.oneIn(6) { filter.doi = random.pick(dois).uppercased() }
        if random.oneIn(6) { filter.pmid = random.pick(pmids) }
        if random.oneIn(8) { filter.nct = random.pick(ncts).lowercased() }
        if random.oneIn(3) { filter.text = (0..<1 + random.next(below: 2)).map { _ in random.pick(words) }.joined(separator: " ") }
        if random.oneIn(3) { filter.includeRetracted = true }
        if random.oneIn(3) { filter.includeNeedsReview = true }
        return filter
    }
}
