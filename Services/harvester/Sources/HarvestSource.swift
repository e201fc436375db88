import EvidenceFormats
import Foundation
import WireProtocol

/// What a saved search asks a source.
struct SearchQuery: Sendable, Equatable {
    var source: HarvestSourceKind
    /// PubMed's search term, or ClinicalTrials.gov's `query.term`.
    var term: String
    /// ClinicalTrials.gov's `query.cond`; PubMed has none.
    var condition: String?
}

/// The days a run covers, both included, as UTC dates "YYYY-MM-DD": PubMed's entry date
/// (EDAT), ClinicalTrials.gov's last update post date. A first run has no `from`.
struct HarvestWindow: Sendable, Equatable {
    var from: String?
    var through: String
}

/// One record a source found.
struct HarvestedItem: Sendable {
    /// What identifies this version at the source, unique within the search:
    /// "pubmed:12345678", "ctgov:NCT01234567@2026-11-20" (an updated study is new again).
    let key: String
    /// The source's own id: a PMID or an NCT id.
    let sourceID: String
    /// The record as `ldn submit --allow-partial` maps it: incomplete ones carry
    /// `provenance.unresolved` and land as needs-review; `problems` non-empty: it cannot be sent.
    let record: SourceRecord
}

/// Why a source could not answer. The message names the request (without any API key).
enum HarvestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The answer could not be read (malformed XML or JSON, a required field missing):
    /// retrying will not help, so the search is paused at once.
    case malformed(request: String, reason: String)
    /// 429, 5xx, timeouts or transport errors on every attempt: may pass; counts towards
    /// pausing the search after repeated failed runs.
    case unavailable(request: String, reason: String, attempts: Int)
    /// A 4xx other than 429 (a bad query, a refused key): retrying will not help.
    case refused(request: String, status: Int, reason: String)

    var description: String {
        switch self {
        case let .malformed(request, reason): "\(request): the answer could not be read: \(reason)"
        case let .unavailable(request, reason, attempts): "\(request): \(reason) (\(attempts) attempt\(attempts == 1 ? "" : "s"))"
        case let .refused(request, status, reason): "\(request): refused with HTTP \(status): \(reason)"
        }
    }

    /// Whether another run may succeed without anyone changing anything.
    var isTransient: Bool {
        if case .unavailable = self { return true }
        return false
    }
}

/// A bibliographic service a saved search runs against.
protocol HarvestSource: Sendable {
    /// A token that changes when the source's data does (ClinicalTrials.gov's
    /// `/version` data timestamp), so that a run can be skipped when nothing was refreshed
    /// since the last one; nil when the source has none (PubMed).
    func dataVersion() async throws(HarvestError) -> String?

    /// Everything `query` finds in `window`, in the source's order, handed to `page` a page
    /// at a time as it arrives, with the total when the source tells it. An error from
    /// `page` ends the fetch and is rethrown as is.
    func fetch(_ query: SearchQuery, window: HarvestWindow,
               page: @Sendable ([HarvestedItem], _ total: Int?) async throws -> Void) async throws
}
