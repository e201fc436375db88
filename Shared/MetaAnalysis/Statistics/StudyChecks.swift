import EvidenceModel

/// What a study's numbers must satisfy before an effect size is computed from them, with
/// reasons a reviewer can act on. metafor stops on some of these (negative counts, events
/// above the group size) and turns others into NA with a warning; here every one is refused
/// with its reason, so nothing is dropped silently and no NaN reaches a result.
enum StudyChecks {
    /// More participants in one arm than this is a data-entry error, not a trial.
    static let largestArm = 1_000_000_000

    /// Why `data` cannot give `measure`, or nil when it can.
    static func incompatibility(_ data: StudyData, measure: EffectType) -> String? {
        switch (data, measure) {
        case (.binary, .rr), (.binary, .or), (.binary, .rd), (.continuous, .md), (.continuous, .smd), (.estimate, _):
            return nil
        case (.binary, .hr):
            return "event counts per arm cannot give a hazard ratio (that needs time-to-event data: give the reported HR with its CI or SE)"
        case (.binary, _):
            return "event counts per arm cannot give \(phrase(measure))"
        case (.continuous, _):
            return "arm means cannot give \(phrase(measure))"
        }
    }

    /// Why a single-arm measure cannot be pooled as a between-group effect, or nil.
    static func unpoolableMeasure(_ measure: EffectType) -> String? {
        measure == .proportion
            ? "a proportion of participants is not a between-group effect; pool RR, OR, RD, HR, MD or SMD"
            : nil
    }

    static func binaryArm(events: Int, total: Int, arm: String) -> String? {
        if total < 1 { return "the \(arm) arm has \(total) participants; it needs at least 1" }
        if total > largestArm { return "the \(arm) arm has \(total) participants, more than \(largestArm): check the numbers" }
        if events < 0 { return "the \(arm) arm has a negative event count (\(events))" }
        if events > total { return "the \(arm) arm has more events (\(events)) than participants (\(total))" }
        return nil
    }

    static func continuousArm(mean: Double, sd: Double, n: Int, arm: String) -> String? {
        if n < 1 { return "the \(arm) arm has \(n) participants; it needs at least 1" }
        if n > largestArm { return "the \(arm) arm has \(n) participants, more than \(largestArm): check the numbers" }
        if !mean.isFinite { return "the \(arm) arm's mean is not a finite number" }
        if !sd.isFinite || sd <= 0 { return "the \(arm) arm's standard deviation must be a positive finite number, not \(sd)" }
        return nil
    }

    /// "a risk ratio", "an odds ratio", …
    static func phrase(_ measure: EffectType) -> String {
        switch measure {
        case .smd: "a standardised mean difference"
        case .md: "a mean difference"
        case .rr: "a risk ratio"
        case .or: "an odds ratio"
        case .hr: "a hazard ratio"
        case .rd: "a risk difference"
        case .proportion: "a proportion"
        }
    }
}
