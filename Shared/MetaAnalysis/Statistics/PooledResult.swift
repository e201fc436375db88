import EvidenceModel

/// A pooled estimate and everything a reviewer reads beside it. Estimates and intervals
/// are on the analysis scale: log for RR, OR and HR (see `EffectType.isRatio`).
public struct PooledResult: Sendable, Hashable, Codable {
    public var measure: EffectType
    public var method: PoolingMethod
    public var hartungKnapp: Bool
    /// Studies pooled.
    public var k: Int
    public var estimate: Double
    public var se: Double
    public var ciLow: Double
    public var ciHigh: Double
    /// z, or t with `df` degrees of freedom under Hartung-Knapp.
    public var statistic: Double
    public var df: Int?
    public var p: Double
    /// Random-effects models only: where a new study's true effect is expected to lie.
    public var predictionLow: Double?
    public var predictionHigh: Double?
    /// Between-study variance and its square root (0 for common-effect models).
    public var tau2: Double
    public var tau: Double
    /// Heterogeneity as a percentage of total variability (metafor's I²), and H².
    public var i2: Double
    public var h2: Double
    /// Cochran's Q, its degrees of freedom (k − 1) and p.
    public var q: Double
    public var qDF: Int
    public var qP: Double
    /// REML: iterations until τ² converged.
    public var iterations: Int?
    /// Each study's effect, CI and weight in percent, in the order given.
    public var studies: [StudyResult]

    public init(measure: EffectType, method: PoolingMethod, hartungKnapp: Bool, k: Int, estimate: Double, se: Double,
                ciLow: Double, ciHigh: Double, statistic: Double, df: Int?, p: Double, predictionLow: Double?,
                predictionHigh: Double?, tau2: Double, tau: Double, i2: Double, h2: Double, q: Double, qDF: Int, qP: Double,
                iterations: Int?, studies: [StudyResult]) {
        self.measure = measure
        self.method = method
        self.hartungKnapp = hartungKnapp
        self.k = k
        self.estimate = estimate
        self.se = se
        self.ciLow = ciLow
        self.ciHigh = ciHigh
        self.statistic = statistic
        self.df = df
        self.p = p
        self.predictionLow = predictionLow
        self.predictionHigh = predictionHigh
        self.tau2 = tau2
        self.tau = tau
        self.i2 = i2
        self.h2 = h2
        self.q = q
        self.qDF = qDF
        self.qP = qP
        self.iterations = iterations
        self.studies = studies
    }
}

public struct StudyResult: Sendable, Hashable, Codable {
    public var label: String
    public var yi: Double
    public var vi: Double
    public var ciLow: Double
    public var ciHigh: Double
    /// Percent of the total weight.
    public var weight: Double

    public init(label: String, yi: Double, vi: Double, ciLow: Double, ciHigh: Double, weight: Double) {
        self.label = label
        self.yi = yi
        self.vi = vi
        self.ciLow = ciLow
        self.ciHigh = ciHigh
        self.weight = weight
    }
}

/// The pooled result without each study in turn.
public struct LeaveOneOut: Sendable, Hashable, Codable {
    public var omitted: String
    public var result: PooledResult

    public init(omitted: String, result: PooledResult) {
        self.omitted = omitted
        self.result = result
    }
}

/// Pooled results per subgroup, and the test for differences between them.
public struct SubgroupAnalysis: Sendable, Hashable, Codable {
    public struct Group: Sendable, Hashable, Codable {
        public var name: String
        /// Nil when the group has too few studies to pool; `reason` says so.
        public var result: PooledResult?
        public var reason: String?

        public init(name: String, result: PooledResult?, reason: String?) {
            self.name = name
            self.result = result
            self.reason = reason
        }
    }

    public var groups: [Group]
    /// Q between subgroups (pooled groups only), its degrees of freedom and p.
    public var qBetween: Double?
    public var qBetweenDF: Int?
    public var qBetweenP: Double?

    public init(groups: [Group], qBetween: Double?, qBetweenDF: Int?, qBetweenP: Double?) {
        self.groups = groups
        self.qBetween = qBetween
        self.qBetweenDF = qBetweenDF
        self.qBetweenP = qBetweenP
    }
}

public enum PoolingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Fewer than two studies.
    case tooFewStudies(Int)
    /// A study's numbers cannot give this measure (e.g. arm means for a risk ratio).
    case unusable(label: String, reason: String)
    /// The method does not apply (Mantel-Haenszel on continuous data, Hartung-Knapp on a common effect).
    case notApplicable(String)
    /// REML's τ² did not settle.
    case didNotConverge(iterations: Int)

    public var description: String {
        switch self {
        case .tooFewStudies(let k): "pooling needs at least 2 studies, found \(k)"
        case .unusable(let label, let reason): "\(label): \(reason)"
        case .notApplicable(let reason): reason
        case .didNotConverge(let iterations):
            "REML did not converge in \(iterations) iterations; try --method dl, which has a closed form"
        }
    }
}
