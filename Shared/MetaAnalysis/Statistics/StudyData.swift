import EvidenceModel

/// One study's numbers for one outcome, as the pooling models take them.
public enum StudyData: Sendable, Hashable {
    /// Events and totals per arm (metafor's `ai`/`n1i`, `ci`/`n2i`).
    case binary(eventsTreatment: Int, totalTreatment: Int, eventsControl: Int, totalControl: Int)
    /// Mean, standard deviation and size of each arm (metafor's `m1i`, `sd1i`, `n1i`, …).
    case continuous(meanTreatment: Double, sdTreatment: Double, nTreatment: Int,
                    meanControl: Double, sdControl: Double, nControl: Int)
    /// An effect already on the analysis scale (log for ratios) with its standard error.
    case estimate(yi: Double, se: Double)
}

/// A study to pool: its label (shown in tables and plots) and its numbers.
public struct Study: Sendable, Hashable {
    public var label: String
    public var data: StudyData

    public init(label: String, data: StudyData) {
        self.label = label
        self.data = data
    }
}

/// An effect size on the analysis scale and its sampling variance (metafor's `yi`, `vi`).
public struct EffectSize: Sendable, Hashable, Codable {
    public var yi: Double
    public var vi: Double

    public init(yi: Double, vi: Double) {
        self.yi = yi
        self.vi = vi
    }

    public var se: Double { vi.squareRoot() }
}
