import EvidenceModel

/// Effect sizes and pooling models, matching R's metafor 3.8 (docs/SYNTHESIS.md lists each
/// formula and its source; each implementation cites the lines of metafor it follows).
/// Pure functions over numbers: nothing here knows about records.
public enum MetaAnalysis {
    /// One study's effect size and variance for `measure` (metafor's `escalc`): log RR,
    /// log OR and RD with 1/2 added to every cell of a table with a zero cell, MD, and SMD
    /// as Hedges' g with the exact small-sample correction. `.estimate` data pass through
    /// (vi = se²).
    public static func effectSize(_ data: StudyData, measure: EffectType) throws(PoolingError) -> EffectSize {
        try EffectSizes.compute(data, measure: measure, label: "study")
    }

    /// Pools `studies` on `measure` with `options` (metafor's `rma.uni`, or `rma.mh` for
    /// Mantel-Haenszel).
    public static func pool(_ studies: [Study], measure: EffectType, options: PoolingOptions) throws(PoolingError) -> PooledResult {
        try Pooling.pool(studies, measure: measure, options: options)
    }

    /// The pooled result without each study in turn (metafor's `leave1out`); empty for
    /// fewer than 3 studies.
    public static func leaveOneOut(_ studies: [Study], measure: EffectType, options: PoolingOptions) throws(PoolingError) -> [LeaveOneOut] {
        try SensitivityAnalysis.leaveOneOut(studies, measure: measure, options: options)
    }

    /// Pools each subgroup on its own and tests for differences between the pooled groups.
    public static func subgroups(_ groups: [(name: String, studies: [Study])], measure: EffectType,
                                 options: PoolingOptions) -> SubgroupAnalysis {
        SensitivityAnalysis.subgroups(groups, measure: measure, options: options)
    }
}
