/// Each study's effect, confidence interval and share of the weight.
enum StudyResults {
    /// CI yi ± z·√vi (summary.escalc); weight 100·wᵢ/Σw (weights.rma.uni, weights.rma.mh).
    static func make(labels: [String], effects: [EffectSize], weights: [Double], level: Double) -> [StudyResult] {
        let z = Distributions.criticalValue(level: level)
        let total = weights.reduce(0, +)
        return effects.indices.map { i in
            let half = z * effects[i].vi.squareRoot()
            return StudyResult(label: labels[i], yi: effects[i].yi, vi: effects[i].vi,
                               ciLow: effects[i].yi - half, ciHigh: effects[i].yi + half,
                               weight: total > 0 ? 100 * weights[i] / total : 0)
        }
    }
}
