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

    public init(measure: String, instrument: String? = nil, direction: Direction, effect: Effect? = nil,
                nTreatment: Int? = nil, nControl: Int? = nil) {
        self.measure = measure
        self.instrument = instrument
        self.direction = direction
        self.effect = effect
        self.nTreatment = nTreatment
        self.nControl = nControl
    }
}

public enum Direction: String, CaseIterable, Sendable, Codable {
    case improved
    case noDifference = "no-difference"
    case worsened
    case mixed
}

/// An effect estimate as reported: its type, point value, 95% confidence interval and p value.
public struct Effect: Sendable, Hashable {
    public var type: EffectType
    public var value: Double
    public var ciLow: Double?
    public var ciHigh: Double?
    public var p: Double?

    public init(type: EffectType, value: Double, ciLow: Double? = nil, ciHigh: Double? = nil, p: Double? = nil) {
        self.type = type
        self.value = value
        self.ciLow = ciLow
        self.ciHigh = ciHigh
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
    /// A proportion of participants (0–1), e.g. the share who responded.
    case proportion
}
