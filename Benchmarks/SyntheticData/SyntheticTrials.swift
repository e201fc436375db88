import EvidenceModel

/// Generated two-arm trials with effect data, for synthesis tests and benchmarks. Labelled
/// like `SyntheticRecords` (SYNTHETIC in title, summary and source; DOIs under 10.5555).
/// Trial `n` of a `condition` and `outcome` is deterministic; `shift` moves its treatment
/// arm (so a new version moves a pooled estimate), `variant` changes only its summary (so a
/// new version leaves the estimate where it was).
public enum SyntheticTrials {
    public enum Kind: Sendable { case continuous, binary }

    public static func trial(_ n: Int, condition: String = "fibromyalgia", outcome: String = "pain", kind: Kind = .continuous,
                             shift: Double = 0, variant: Int = 0) -> EvidenceRecord {
        var random = SeededGenerator(seed: UInt64(n) &* 0x9E37_79B9 &+ 17)
        let perArm = 10 + random.next(below: 140)
        let (arms, direction): (ArmPair, Direction)
        switch kind {
        case .continuous:
            // Change in pain on a 0–10 scale: control about −0.9, treatment about −1.3 (plus `shift`).
            let treatment = -1.3 + Double(random.next(below: 100) - 50) / 100 + shift
            let control = -0.9 + Double(random.next(below: 100) - 50) / 100
            let sd = 1.5 + Double(random.next(below: 100)) / 100
            arms = ArmPair(treatment: .continuous(mean: treatment, spread: .sd(sd), n: perArm),
                           control: .continuous(mean: control, spread: .sd(sd), n: perArm))
            direction = treatment < control ? .improved : .noDifference
        case .binary:
            // Responders: about 45% on treatment, 30% on control; `shift` adds responders.
            let treated = min(perArm, max(0, perArm * (35 + random.next(below: 20)) / 100 + Int(shift * Double(perArm))))
            let controls = perArm * (22 + random.next(below: 16)) / 100
            arms = ArmPair(treatment: .binary(events: treated, total: perArm), control: .binary(events: controls, total: perArm))
            direction = treated > controls ? .improved : .noDifference
        }
        let benefit: Benefit = kind == .continuous ? .lower : .higher
        let result = Outcome(measure: outcome, instrument: kind == .continuous ? "synthetic NRS 0-10" : "synthetic responder rate",
                             direction: direction, timepointWeeks: 12, benefit: benefit, arms: arms,
                             changeFromBaseline: kind == .continuous)
        let label = SyntheticRecords.label
        return EvidenceRecord(
            title: "\(label) trial \(n): low-dose naltrexone versus placebo for \(ConditionVocabulary.displayName(code: condition)) \(outcome)",
            year: 2000 + n % 25, conditions: [condition], design: .rct,
            authors: ["Synthetic\(n) A", "Generated B"], journal: "Synthetic Journal of Generated Evidence",
            identifiers: Identifiers(doi: "10.5555/synthetic.trial.\(condition).\(outcome).\(n)"),
            participants: 2 * perArm, doseMg: 4.5, regimen: "4.5 mg nightly", durationWeeks: 12, comparator: .placebo,
            outcomes: [result],
            summary: "\(label) — generated for tests and benchmarks; not a real study. Variant \(variant).",
            source: "synthetic (generated; not a real study)")
    }
}
