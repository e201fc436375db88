import EvidenceModel
import Foundation

/// Generated evidence records for tests and benchmarks. They are labelled in their title,
/// summary and source as synthetic, carry DOIs under 10.5555 (the prefix reserved for
/// test DOIs) and no PMID or NCT id, so they can never be mistaken for real studies.
public enum SyntheticRecords {
    public static let label = "SYNTHETIC"
    public static let conditions = ["crohns", "ms", "fibromyalgia", "crps", "chronic-pain", "long-covid", "ulcerative-colitis",
                             "diabetic-neuropathy"]
    public static let designs: [StudyDesign] = [.rct, .crossoverRCT, .openLabel, .cohort, .caseSeries, .systematicReview]
    static let measures = ["pain", "fatigue", "quality-of-life", "disease-activity", "sleep", "mood"]
    static let directions: [Direction] = [.improved, .improved, .noDifference, .mixed]

    /// Record number `n` (deterministic). `variant` changes its content but not its identity,
    /// to make new versions of the same study.
    public static func record(_ n: Int, variant: Int = 0) -> EvidenceRecord {
        let condition = conditions[n % conditions.count]
        // Independent of the condition, so that every condition has every design.
        let design = designs[(n / conditions.count) % designs.count]
        let participants = 12 + (n * 37) % 400
        let outcomes = (0..<2).map { k in
            let value = Double((n + k) % 90 + 5) / 100
            return Outcome(measure: measures[(n + k) % measures.count], instrument: "synthetic scale \(k + 1)",
                           direction: directions[(n + k + variant) % directions.count],
                           effect: Effect(type: .smd, value: -value, ciLow: -value - 0.3, ciHigh: -value + 0.3,
                                          p: Double((n % 50) + 1) / 1000),
                           nTreatment: participants / 2, nControl: participants - participants / 2)
        }
        return EvidenceRecord(
            title: "\(label) record \(n): low-dose naltrexone for \(ConditionVocabulary.displayName(code: condition)), generated study \(n % 9973)",
            year: 2000 + n % 25, conditions: [condition], design: design,
            authors: ["Synthetic A\(n % 97)", "Generated B\(n % 89)", "Example C\(n % 83)"],
            journal: "Synthetic Journal of Generated Evidence",
            identifiers: Identifiers(doi: "10.5555/synthetic.\(n)"),
            participants: participants, doseMg: [1.5, 3, 4.5][n % 3], regimen: "once daily at bedtime",
            durationWeeks: Double(8 + n % 16), comparator: design == .cohort ? Comparator.none : .placebo,
            outcomes: outcomes, adverseEvents: ["vivid dreams", "headache"],
            summary: "\(label) — generated for tests and benchmarks; not a real study. Variant \(variant). "
                + "Participants took low-dose naltrexone nightly and reported their symptoms every week.",
            source: "synthetic (generated; not a real study)")
    }

    /// Records `range` as JSON Lines text, one canonical record per line.
    public static func jsonLines(_ range: Range<Int>, variant: Int = 0) -> String {
        range.map { String(decoding: record($0, variant: variant).jsonData, as: UTF8.self) }.joined(separator: "\n") + "\n"
    }
}
