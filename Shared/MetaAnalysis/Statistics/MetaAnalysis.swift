import EvidenceModel

/// Effect sizes and pooling models, matching R's metafor (docs/SYNTHESIS.md lists each formula
/// and its source). Pure functions over numbers: nothing here knows about records.
public enum MetaAnalysis {
    /// One study's effect size and variance for `measure` (metafor's `escalc`): log RR and
    /// log OR with 0.5 added to every cell of a table with a zero cell, RD, MD, and SMD as
    /// Hedges' g with the exact small-sample correction. `.estimate` data pass through.
    public static func effectSize(_ data: StudyData, measure: EffectType) throws(PoolingError) -> EffectSize {
        throw .notApplicable("not yet implemented")
    }

    /// Pools `studies` on `measure` with `options` (metafor's `rma.uni`, or `rma.mh` for
    /// Mantel-Haenszel).
    public static func pool(_ studies: [Study], measure: EffectType, options: PoolingOptions) throws(PoolingError) -> PooledResult {
        throw .notApplicable("not yet implemented")
    }

    /// The pooled result without each study in turn (metafor's `leave1out`).
    public static func leaveOneOut(_ studies: [Study], measure: EffectType, options: PoolingOptions) throws(PoolingError) -> [LeaveOneOut] {
        throw .notApplicable("not yet implemented")
    }

    /// Pools each subgroup on its own and tests for differences between the pooled groups.
    public static func subgroups(_ groups: [(name: String, studies: [Study])], measure: EffectType,
                                 options: PoolingOptions) -> SubgroupAnalysis {
        SubgroupAnalysis(groups: [], qBetween: nil, qBetweenDF: nil, qBetweenP: nil)
    }
}
