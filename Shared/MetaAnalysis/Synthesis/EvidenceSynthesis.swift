import Foundation
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

    /// How one outcome's numbers become a study for `measure`, or why they cannot.
    public enum Conversion: Sendable, Hashable {
        /// `notes` say how the numbers were used when not as given ("SD from the 95% CI of the mean").
        case usable(StudyData, notes: [String])
        case unusable(reason: String)
    }

    /// The measure an outcome's own numbers suggest: RR for binary arms, MD for continuous
    /// arms, the reported effect's type otherwise; nil without effect data.
    public static func naturalMeasure(_ outcome: Outcome) -> EffectType? {
        if let arms = outcome.arms {
            if case .binary = arms.treatment { return .rr }
            return .md
        }
        guard let effect = outcome.effect, effect.type != .proportion else { return nil }
        return effect.type
    }

    /// "Bruun 2024": the first author's family name and the year, as forest plots label studies.
    public static func label(_ record: EvidenceRecord) -> String {
        guard let first = record.authors.first else { return "\(record.title.prefix(24)) \(record.year)" }
        let family = first.split(separator: " ").first.map(String.init) ?? first
        return "\(family.trimmingCharacters(in: .punctuationCharacters)) \(record.year)"
    }

    /// `sensitivity`: leave-one-out and subgroups too. They cost k more fits, and a follower
    /// that needs only the `headline` (a synthesis watch) leaves them out.
    public static func synthesize(_ question: SynthesisQuestion, candidates: [Candidate], sensitivity: Bool = true) -> Synthesis {
        var selection = StudySelection(question: question)
        for candidate in candidates.sorted(by: { $0.key < $1.key }) { selection.consider(candidate) }
        return selection.pooled(sensitivity: sensitivity)
    }
}
