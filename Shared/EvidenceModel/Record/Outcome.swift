/// One measured result of a study: what was measured, which way it went, and by how much.
public struct Outcome: Sendable, Hashable {
    /// A code from `OutcomeVocabulary` ("pain", "disease-activity"…), or the given text.
    public var measure: String
    /// The scale used, e.g. "CDAI", "SF-36 mental health", "VAS".
    public var instrument: String?
    public var direction: Direction
    public var effect: Effect?
    public var nTreatment: Int?
    public var nControl: Int?
    /// When it was measured, in weeks from the start of treatment.
    public var timepointWeeks: Double?
    /// Which way along the scale is good; required with `arms`.
    public var benefit: Benefit?
    /// Per-arm results, for pooling.
    public var arms: ArmPair?
    /// The arms' means are changes from baseline, not values at the timepoint.
    public var changeFromBaseline: Bool
    /// For crossover trials with `arms` or `effect`: paired or per-period numbers.
    public var crossover: CrossoverAnalysis?

    public init(measure: String, instrument: String? = nil, direction: Direction, effect: Effect? = nil,
                nTreatment: Int? = nil, nControl: Int? = nil, timepointWeeks: Double? = nil, benefit: Benefit? = nil,
                arms: ArmPair? = nil, changeFromBaseline: Bool = false, crossover: CrossoverAnalysis? = nil) {
        self.measure = measure
        self.instrument = instrument
        self.direction = direction
        self.effect = effect
        self.nTreatment = nTreatment
        self.nControl = nControl
        self.timepointWeeks = timepointWeeks
        self.benefit = benefit
        self.arms = arms
        self.changeFromBaseline = changeFromBaseline
        self.crossover = crossover
    }

    /// Whether the outcome carries numbers a meta-analysis can use.
    public var hasEffectData: Bool { arms != nil || effect.map { $0.type != .proportion } == true }
}

public enum Direction: String, CaseIterable, Sendable, Codable {
    case improved
    case noDifference = "no-difference"
    case worsened
    case mixed
}

/// A between-group effect estimate as reported: its type, point value, 95% confidence
/// interval or standard error, and p value. Ratios (RR, OR, HR) are given on their natural
/// scale; their `se` is on the log scale, as papers report it.
public struct Effect: Sendable, Hashable {
    public var type: EffectType
    public var value: Double
    public var ciLow: Double?
    public var ciHigh: Double?
    public var se: Double?
    public var p: Double?

    public init(type: EffectType, value: Double, ciLow: Double? = nil, ciHigh: Double? = nil, se: Double? = nil, p: Double? = nil) {
        self.type = type
        self.value = value
        self.ciLow = ciLow
        self.ciHigh = ciHigh
        self.se = se
        self.p = p
    }
}

public enum EffectType: String, CaseIterable, Sendable, Codable {
    /// Standardised mean difference.
    case smd = "SMD"
    /// Mean difference.
    case md = "MD"
    /// Risk ratio.
    case rr = "RR"
    /// Odds ratio.
    case or = "OR"
    /// Hazard ratio.
    case hr = "HR"
    /// Risk difference.
    case rd = "RD"

    /// Ratios are pooled on the log scale.
    public var isRatio: Bool { self == .rr || self == .or || self == .hr }
    /// A proportion of participants (0–1), e.g. the share who responded.
    case proportion
}
