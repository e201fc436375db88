import EvidenceModel
import MetaAnalysis

/// `synthesize` (to query): pool one condition's studies on one outcome (docs/SYNTHESIS.md).
public struct SynthesizeRequest: Codable, Sendable {
    /// A condition, as a code or any name the vocabulary knows.
    public var condition: String
    /// An outcome measure, as a code or any name the vocabulary knows.
    public var outcome: String
    public var design: StudyDesign?
    public var timepointWeeks: Double?
    /// RR, OR, RD, MD, SMD or HR; chosen from the data when absent.
    public var measure: EffectType?
    /// fe, mh, dl or reml (default reml).
    public var method: PoolingMethod?
    public var hartungKnapp: Bool?

    public init(condition: String, outcome: String, design: StudyDesign? = nil, timepointWeeks: Double? = nil,
                measure: EffectType? = nil, method: PoolingMethod? = nil, hartungKnapp: Bool? = nil) {
        self.condition = condition
        self.outcome = outcome
        self.design = design
        self.timepointWeeks = timepointWeeks
        self.measure = measure
        self.method = method
        self.hartungKnapp = hartungKnapp
    }
}

public struct SynthesizeReply: Codable, Sendable {
    public var synthesis: Synthesis
    public var replica: ReplicaState

    public init(synthesis: Synthesis, replica: ReplicaState) {
        self.synthesis = synthesis
        self.replica = replica
    }
}
