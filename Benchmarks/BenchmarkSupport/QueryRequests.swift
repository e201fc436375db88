import EvidenceModel
import SyntheticData
import WireProtocol

/// The read requests the query figures are measured with, the same in every benchmark so that
/// their figures compare. Each takes the request's index, which varies what it asks.
public enum QueryRequests {
    /// Condition + design + certainty, 20 hits: a range of the condition index, paged.
    @Sendable public static func filtered(_ index: Int) -> Request {
        let condition = SyntheticRecords.conditions[index % 6]
        return Request(type: MessageType.query, id: "q-\(index)", body: QueryRequest(
            filter: EvidenceFilter(condition: condition, design: [.rct], minCertainty: .moderate), limit: 20))
    }

    /// "study N": few matches (the size / 9973, plus one).
    @Sendable public static func selectiveSearch(_ index: Int) -> Request {
        Request(type: MessageType.search, id: "s-\(index)", body: SearchRequest(text: "study \(index % 9973)", limit: 10))
    }

    /// A word a third of all synthetic records contain.
    @Sendable public static func commonWordSearch(_ index: Int) -> Request {
        Request(type: MessageType.search, id: "b-\(index)", body: SearchRequest(text: ["sleep", "fatigue", "mood"][index % 3], limit: 10))
    }

    /// The largest synthetic condition's summary.
    @Sendable public static func summary(_ index: Int) -> Request {
        Request(type: MessageType.summary, id: "m-\(index)", body: SummaryRequest(condition: "crohns"))
    }
}
