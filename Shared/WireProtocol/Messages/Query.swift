import EvidenceModel
import Foundation

/// How current a replica's answer is: what it has applied, what the store had last it
/// heard, and whether it is still catching up. Every query answer carries one, so answers
/// are never silently stale.
public struct ReplicaState: Codable, Sendable, Hashable {
    public let applied: Int64
    public let storeHead: Int64
    /// How far behind the store's head: `store_head - applied`, at least 0.
    public let lag: Int64
    public let catchingUp: Bool

    public init(applied: Int64, storeHead: Int64, catchingUp: Bool) {
        self.applied = applied
        self.storeHead = storeHead
        self.lag = max(storeHead - applied, 0)
        self.catchingUp = catchingUp
    }
}

/// One record in an answer: its place in the store and its JSON (copied as stored).
public struct Hit: JSONConvertible, Sendable {
    public var id: Int64
    public var seq: Int64
    public var key: String
    public var version: Int
    public var status: RecordStatus
    /// The record's canonical JSON.
    public var recordJSON: Data
    /// For search: the best-matching passage, matches marked with `**`.
    public var snippet: String?
    /// For search: relevance, higher is better.
    public var score: Double?

    public init(id: Int64, seq: Int64, key: String, version: Int, status: RecordStatus, recordJSON: Data,
                snippet: String? = nil, score: Double? = nil) {
        self.id = id
        self.seq = seq
        self.key = key
        self.version = version
        self.status = status
        self.recordJSON = recordJSON
        self.snippet = snippet
        self.score = score
    }

    /// The record, read (and checked) from its JSON.
    public var record: EvidenceRecord? { RecordIntake.evaluate(recordJSON).record }

    public func write(to output: inout JSONOutput) {
        output.object { o in
            o.field("id", id)
            o.field("seq", seq)
            o.field("key", key)
            o.field("version", version)
            o.field("status", status.rawValue)
            o.key("record")
            o.value(raw: recordJSON)
            o.field("snippet", snippet)
            o.field("score", score)
        }
    }

    public init(json: JSONValue) throws(JSONShapeError) {
        let fields = try JSONFields(json)
        guard let record = fields["record"] else { throw JSONShapeError(path: "record", message: "missing") }
        self.init(id: try fields.int64("id"), seq: try fields.int64("seq"), key: try fields.string("key"),
                  version: try fields.int("version"), status: try fields.choice("status", RecordStatus.self),
                  recordJSON: JSONWriter.data(record), snippet: try fields.optionalString("snippet"),
                  score: fields["score"]?.numberValue)
    }
}

public enum QuerySort: String, Codable, Sendable, CaseIterable {
    /// Newest first.
    case year
    /// Largest first.
    case participants
    /// Highest first.
    case certainty
    /// Record id, oldest first: stable pages for exports.
    case id
}

/// `query` (to query): records passing a filter, sorted, a page at a time.
public struct QueryRequest: Codable, Sendable {
    public var filter: EvidenceFilter
    public var sort: QuerySort?
    /// Page size, 1–500 (default 20).
    public var limit: Int?
    /// Records to skip; pages stay stable while the data does (ties are broken by record id).
    public var offset: Int?

    public init(filter: EvidenceFilter, sort: QuerySort? = nil, limit: Int? = nil, offset: Int? = nil) {
        self.filter = filter
        self.sort = sort
        self.limit = limit
        self.offset = offset
    }
}

public struct QueryReply: Codable, Sendable {
    /// Records matching the filter, in all pages.
    public var total: Int
    public var hits: [Hit]
    public var replica: ReplicaState

    public init(total: Int, hits: [Hit], replica: ReplicaState) {
        self.total = total
        self.hits = hits
        self.replica = replica
    }
}

/// `search` (to query): full text over title, summary, outcomes and adverse events,
/// best matches first, with a highlighted passage.
public struct SearchRequest: Codable, Sendable {
    public var text: String
    public var filter: EvidenceFilter?
    public var limit: Int?

    public init(text: String, filter: EvidenceFilter? = nil, limit: Int? = nil) {
        self.text = text
        self.filter = filter
        self.limit = limit
    }
}

/// `summary` (to query): the evidence for one condition at a glance.
public struct SummaryRequest: Codable, Sendable {
    public var condition: String

    public init(condition: String) { self.condition = condition }
}

public struct SummaryReply: Codable, Sendable {
    public struct DesignCount: Codable, Sendable, Hashable {
        public var design: StudyDesign
        public var studies: Int
        public var participants: Int

        public init(design: StudyDesign, studies: Int, participants: Int) {
            self.design = design
            self.studies = studies
            self.participants = participants
        }
    }

    public struct CertaintyCount: Codable, Sendable, Hashable {
        public var certainty: Certainty
        public var studies: Int

        public init(certainty: Certainty, studies: Int) {
            self.certainty = certainty
            self.studies = studies
        }
    }

    /// How the outcomes on one measure went, counted per study outcome.
    public struct OutcomeCount: Codable, Sendable, Hashable {
        public var measure: String
        public var improved: Int
        public var noDifference: Int
        public var worsened: Int
        public var mixed: Int

        public init(measure: String, improved: Int, noDifference: Int, worsened: Int, mixed: Int) {
            self.measure = measure
            self.improved = improved
            self.noDifference = noDifference
            self.worsened = worsened
            self.mixed = mixed
        }

        public var total: Int { improved + noDifference + worsened + mixed }
    }

    public var condition: String
    public var name: String
    public var studies: Int
    /// Participants across the studies that report a number.
    public var participants: Int
    public var byDesign: [DesignCount]
    public var byCertainty: [CertaintyCount]
    public var outcomes: [OutcomeCount]
    public var doseMinMg: Double?
    public var doseMaxMg: Double?
    /// The highest-certainty studies first (up to 5), then larger, then newer.
    public var strongest: [SummaryStudy]
    /// The study added to the store most recently.
    public var latest: SummaryStudy?
    public var replica: ReplicaState

    public init(condition: String, name: String, studies: Int, participants: Int, byDesign: [DesignCount],
                byCertainty: [CertaintyCount], outcomes: [OutcomeCount], doseMinMg: Double?, doseMaxMg: Double?,
                strongest: [SummaryStudy], latest: SummaryStudy?, replica: ReplicaState) {
        self.condition = condition
        self.name = name
        self.studies = studies
        self.participants = participants
        self.byDesign = byDesign
        self.byCertainty = byCertainty
        self.outcomes = outcomes
        self.doseMinMg = doseMinMg
        self.doseMaxMg = doseMaxMg
        self.strongest = strongest
        self.latest = latest
        self.replica = replica
    }
}

/// A study as a summary lists it.
public struct SummaryStudy: Codable, Sendable, Hashable {
    public var id: Int64
    public var title: String
    public var year: Int
    public var design: StudyDesign
    public var certainty: Certainty
    public var participants: Int?
    public var doi: String?
    public var pmid: String?

    public init(id: Int64, title: String, year: Int, design: StudyDesign, certainty: Certainty, participants: Int?,
                doi: String?, pmid: String?) {
        self.id = id
        self.title = title
        self.year = year
        self.design = design
        self.certainty = certainty
        self.participants = participants
        self.doi = doi
        self.pmid = pmid
    }
}
