import EvidenceModel
import Foundation

/// Where a saved search of the harvester looks (docs/HARVEST.md).
public enum HarvestSourceKind: String, Sendable, CaseIterable, Codable {
    /// PubMed, through NCBI's E-utilities (esearch, then efetch of PubMed XML).
    case pubmed
    /// ClinicalTrials.gov, through its API v2 (`/studies`).
    case ctgov
}

extension MessageType {
    /// harvester: save a search (curator).
    public static let harvestAdd = "harvest.add"
    /// harvester: every saved search with its cursor, last run and current run (reader).
    public static let harvestList = "harvest.list"
    /// harvester: start a run of a search now (curator).
    public static let harvestRun = "harvest.run"
    /// harvester: stop running a search until it is resumed (curator).
    public static let harvestPause = "harvest.pause"
    /// harvester: run a paused search again (curator).
    public static let harvestResume = "harvest.resume"
    /// harvester: forget a search, its cursor and the ids it has seen (curator).
    public static let harvestRemove = "harvest.remove"
}

/// In a record's provenance: which saved search found it, where, under which id.
public struct HarvestProvenance: JSONConvertible, Sendable, Hashable {
    public var search: String
    public var source: HarvestSourceKind
    /// The source's id: a PMID or an NCT id.
    public var id: String

    public init(search: String, source: HarvestSourceKind, id: String) {
        self.search = search
        self.source = source
        self.id = id
    }

    public func write(to output: inout JSONOutput) {
        output.object { o in
            o.field("search", search)
            o.field("source", source.rawValue)
            o.field("id", id)
        }
    }

    public init(json: JSONValue) throws(JSONShapeError) {
        try self.init(json: json, strict: true)
    }

    public init(json: JSONValue, strict: Bool) throws(JSONShapeError) {
        let fields = try JSONFields(json, path: "provenance.harvest")
        self.init(search: try fields.string("search"), source: try fields.choice("source", HarvestSourceKind.self),
                  id: try fields.string("id"))
        if strict { try fields.rejectUnknown() }
    }
}

/// The bounds of a saved search's fields: the harvester refuses a request beyond them, naming the field.
public enum HarvestLimits {
    /// A search's name: 1–64 letters, digits, `.`, `_`, `-` (as a watch's).
    public static func isValidName(_ name: String) -> Bool { WatchName.isValid(name) }
    /// Bytes of a query term or a condition.
    public static let maxQueryBytes = 1000
    /// Bytes of a pause reason.
    public static let maxReasonBytes = 500
    /// The shortest interval between runs, in seconds: a minute, so that tests can run
    /// searches often; a real search runs every few hours or once a day (docs/HARVEST.md).
    public static let minimumInterval = 60
    /// The longest interval: 90 days.
    public static let maximumInterval = 90 * 86_400
}

/// `harvest.add` (to the harvester).
public struct HarvestAddRequest: Codable, Sendable {
    /// 1–64 characters: letters, digits, `.`, `_`, `-`.
    public var name: String
    public var source: HarvestSourceKind
    /// PubMed's search term, or ClinicalTrials.gov's `query.term`.
    public var query: String
    /// ClinicalTrials.gov's `query.cond`; refused for PubMed (put it in the query).
    public var condition: String?
    /// Seconds between runs (60 to 90 days; default one day).
    public var interval: Int?

    public init(name: String, source: HarvestSourceKind, query: String, condition: String? = nil, interval: Int? = nil) {
        self.name = name
        self.source = source
        self.query = query
        self.condition = condition
        self.interval = interval
    }
}

/// `harvest.run`, `harvest.resume`, `harvest.remove` (to the harvester).
public struct HarvestNameRequest: Codable, Sendable {
    public var name: String

    public init(name: String) { self.name = name }
}

/// `harvest.pause` (to the harvester).
public struct HarvestPauseRequest: Codable, Sendable {
    public var name: String
    /// Shown in `harvest.list` (default "paused by NAME").
    public var reason: String?

    public init(name: String, reason: String? = nil) {
        self.name = name
        self.reason = reason
    }
}

/// What one run of a search came to.
public struct HarvestRunSummary: Codable, Sendable, Hashable {
    /// `complete`, `skipped` (ClinicalTrials.gov's data unchanged since the last complete run),
    /// `failed` (the source or ingest failed; nothing is lost: the next run resumes it).
    public var outcome: String
    /// The days covered ("YYYY-MM-DD", both included); `from` absent on a first run.
    public var from: String?
    public var through: String?
    public var startedAt: Date
    public var finishedAt: Date
    /// Records the source returned for the window.
    public var found: Int
    /// Records ingest stored (new records and new versions), of which `needsReview` as needs-review.
    public var new: Int
    public var duplicates: Int
    public var needsReview: Int
    /// Records that could not be mapped, or that ingest refused (invalid, or a conflict).
    public var rejected: Int
    /// Failed requests (to the source or to ingest).
    public var errors: Int
    public var seconds: Double
    /// Why the run failed.
    public var error: String?

    public init(outcome: String, from: String?, through: String?, startedAt: Date, finishedAt: Date, found: Int, new: Int,
                duplicates: Int, needsReview: Int, rejected: Int, errors: Int, seconds: Double, error: String? = nil) {
        self.outcome = outcome
        self.from = from
        self.through = through
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.found = found
        self.new = new
        self.duplicates = duplicates
        self.needsReview = needsReview
        self.rejected = rejected
        self.errors = errors
        self.seconds = seconds
        self.error = error
    }
}

/// A run under way.
public struct HarvestProgress: Codable, Sendable, Hashable {
    public var from: String?
    public var through: String
    public var startedAt: Date
    /// Records the source has returned so far, and its total when it told it.
    public var found: Int
    public var total: Int?
    /// Records submitted so far (in batches ingest has answered).
    public var submitted: Int

    public init(from: String?, through: String, startedAt: Date, found: Int, total: Int?, submitted: Int) {
        self.from = from
        self.through = through
        self.startedAt = startedAt
        self.found = found
        self.total = total
        self.submitted = submitted
    }
}

/// A saved search as the harvester reports it.
public struct HarvestSearchInfo: Codable, Sendable, Hashable {
    public var name: String
    public var source: HarvestSourceKind
    public var query: String
    public var condition: String?
    /// Seconds between runs.
    public var interval: Int
    /// The last day a complete run covered: the next run starts there ("YYYY-MM-DD").
    public var cursor: String?
    /// Record versions seen so far (never submitted twice).
    public var seen: Int
    public var lastRun: HarvestRunSummary?
    /// Set while a run is under way.
    public var running: HarvestProgress?
    /// When the next run is due; absent while paused.
    public var nextRun: Date?
    /// Failed runs in a row; the search is paused after the harvester's `--pause-after`.
    public var failuresInARow: Int
    /// Why the search is paused, when it is.
    public var paused: String?

    public init(name: String, source: HarvestSourceKind, query: String, condition: String?, interval: Int, cursor: String?,
                seen: Int, lastRun: HarvestRunSummary?, running: HarvestProgress?, nextRun: Date?, failuresInARow: Int,
                paused: String?) {
        self.name = name
        self.source = source
        self.query = query
        self.condition = condition
        self.interval = interval
        self.cursor = cursor
        self.seen = seen
        self.lastRun = lastRun
        self.running = running
        self.nextRun = nextRun
        self.failuresInARow = failuresInARow
        self.paused = paused
    }
}

/// `harvest.list` reply; also the reply of `harvest.add`, `pause`, `resume`, `remove` (the one search).
public struct HarvestListReply: Codable, Sendable {
    public var searches: [HarvestSearchInfo]

    public init(searches: [HarvestSearchInfo]) { self.searches = searches }
}

/// `harvest.run` reply.
public struct HarvestRunReply: Codable, Sendable {
    /// False when a run of this search was already under way (it goes on; none is added).
    public var started: Bool
    public var search: HarvestSearchInfo

    public init(started: Bool, search: HarvestSearchInfo) {
        self.started = started
        self.search = search
    }
}
