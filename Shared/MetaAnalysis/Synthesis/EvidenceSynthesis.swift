import EvidenceModel

/// Turns records into a `Synthesis`: picks each record's report of the outcome, converts
/// what it can into effect sizes, leaves out what it cannot (with the reason), and pools.
public enum EvidenceSynthesis {
    /// A record that may report the question's outcome, and its key in the store.
    public struct Candidate: Sendable {
        public var key: String
        public var record: EvidenceRecord

        public init(key: String, record: EvidenceRecord) {
            self.key = key
            self.record = record
        }
    }

    /// Whether a record could take part in `question` (its condition and an outcome on the
    /// measure): what a follower keeps to answer or re-answer the question.
    public static func isCandidate(_ record: EvidenceRecord, for question: SynthesisQuestion) -> Bool {
        record.conditions.contains(question.condition) && record.outcomes.contains { $0.measure == question.outcome }
    }

    public static func synthesize(_ question: SynthesisQuestion, candidates: [Candidate]) -> Synthesis {
        Synthesis(question: question, measure: nil, included: [], excluded: [], pooled: nil,
                  notPooled: "not yet implemented", leaveOneOut: [], subgroups: nil, published: [])
    }
}
