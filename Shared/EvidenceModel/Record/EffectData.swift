/// The numbers a meta-analysis needs from one outcome, as the study reports them per arm.
/// See docs/SYNTHESIS.md for each field and how it is used.
public struct ArmPair: Sendable, Hashable {
    public var treatment: ArmData
    public var control: ArmData

    public init(treatment: ArmData, control: ArmData) {
        self.treatment = treatment
        self.control = control
    }
}

/// One arm's result: events out of a total (binary), or a mean with its spread (continuous).
public enum ArmData: Sendable, Hashable {
    case binary(events: Int, total: Int)
    case continuous(mean: Double, spread: Spread, n: Int)

    public var n: Int {
        switch self {
        case .binary(_, let total): total
        case .continuous(_, _, let n): n
        }
    }
}

/// How a mean's uncertainty is reported: a standard deviation, a standard error, or a 95% CI.
public enum Spread: Sendable, Hashable {
    case sd(Double)
    case se(Double)
    case ci(low: Double, high: Double)
}

/// Which way along the outcome's scale is good for the patient.
public enum Benefit: String, CaseIterable, Sendable, Codable {
    /// Lower is better: pain scores, disease activity, events such as relapse.
    case lower
    /// Higher is better: quality of life, response, remission.
    case higher
}

/// How a crossover trial's numbers were analysed.
public enum CrossoverAnalysis: String, CaseIterable, Sendable, Codable {
    /// Within-patient: a paired estimate (its CI or SE accounts for the pairing).
    case paired
    /// Each period's arms compared as if parallel (conservative: ignores the pairing).
    case perPeriod = "per-period"
}
