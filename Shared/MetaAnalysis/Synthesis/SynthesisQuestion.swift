import EvidenceModel

/// What to pool: one condition's studies on one outcome, optionally narrowed.
public struct SynthesisQuestion: Sendable, Hashable, Codable {
    /// A condition code (`fibromyalgia`).
    public var condition: String
    /// An outcome measure code (`pain`).
    public var outcome: String
    /// Only studies of this design.
    public var design: StudyDesign?
    /// Only outcomes measured at this timepoint.
    public var timepointWeeks: Double?
    /// The effect measure; chosen from the data when not given (RR for binary arms, MD on one
    /// scale, SMD across scales, else the reported effects' own measure).
    public var measure: EffectType?
    public var method: PoolingMethod
    public var hartungKnapp: Bool

    public init(condition: String, outcome: String, design: StudyDesign? = nil, timepointWeeks: Double? = nil,
                measure: EffectType? = nil, method: PoolingMethod = .reml, hartungKnapp: Bool = false) {
        self.condition = condition
        self.outcome = outcome
        self.design = design
        self.timepointWeeks = timepointWeeks
        self.measure = measure
        self.method = method
        self.hartungKnapp = hartungKnapp
    }
}
