/// The model used to pool.
public enum PoolingMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// Common (fixed) effect, inverse variance.
    case commonEffect = "fe"
    /// Common effect, Mantel-Haenszel (binary data only).
    case mantelHaenszel = "mh"
    /// Random effects, DerSimonian-Laird τ².
    case derSimonianLaird = "dl"
    /// Random effects, restricted maximum likelihood τ² (iterative).
    case reml

    public var isRandomEffects: Bool { self == .derSimonianLaird || self == .reml }
}

public struct PoolingOptions: Sendable, Hashable, Codable {
    public var method: PoolingMethod
    /// Hartung-Knapp(-Sidik-Jonkman): t-based CI and test with k−1 degrees of freedom
    /// (random-effects models only).
    public var hartungKnapp: Bool
    /// Confidence level of every interval.
    public var level: Double
    /// REML: give up after this many iterations…
    public var maximumIterations: Int
    /// …unless τ² changes by less than this between two.
    public var tolerance: Double

    public init(method: PoolingMethod = .reml, hartungKnapp: Bool = false, level: Double = 0.95,
                maximumIterations: Int = 100, tolerance: Double = 1e-5) {
        self.method = method
        self.hartungKnapp = hartungKnapp
        self.level = level
        self.maximumIterations = maximumIterations
        self.tolerance = tolerance
    }
}
