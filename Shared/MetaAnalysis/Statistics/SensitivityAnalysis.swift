import Dispatch
import EvidenceModel
import Synchronization

/// Leave-one-out and subgroup analyses: the same model refitted on parts of the studies.
enum SensitivityAnalysis {
    /// metafor's leave1out (R/leave1out.rma.uni.r, R/leave1out.rma.mh.r): the model refitted
    /// without each study in turn, in the order given. Needs k ≥ 3 so that every refit pools
    /// at least 2 studies; with fewer there is nothing to report. A refit that fails (where
    /// metafor reports NA) throws its error.
    static func leaveOneOut(_ studies: [Study], measure: EffectType,
                            options: PoolingOptions) throws(PoolingError) -> [LeaveOneOut] {
        guard studies.count >= 3 else { return [] }
        let prepared = try Pooling.prepare(studies, measure: measure, options: options)
        // k independent refits, k² work in all: spread over the cores (results in study order).
        let fits = Mutex([Result<PooledResult, PoolingError>?](repeating: nil, count: studies.count))
        DispatchQueue.concurrentPerform(iterations: studies.count) { index in
            let fit = Result { () throws(PoolingError) in try Pooling.fit(prepared.removing(index), measure: measure, options: options) }
            fits.withLock { $0[index] = fit }
        }
        var results: [LeaveOneOut] = []
        results.reserveCapacity(studies.count)
        for (index, fit) in fits.withLock({ $0 }).enumerated() {
            results.append(LeaveOneOut(omitted: studies[index].label, result: try (fit ?? .failure(.notApplicable("a leave-one-out refit did not run"))).get()))
        }
        return results
    }

    /// Each group pooled with the same options, then the test for subgroup differences:
    /// Q between the pooled groups' estimates with their SEs as a common-effect
    /// inverse-variance Q (rma(est, sei = se, method = "FE")$QE), df = groups − 1.
    static func subgroups(_ groups: [(name: String, studies: [Study])], measure: EffectType,
                          options: PoolingOptions) -> SubgroupAnalysis {
        let pooled = groups.map { pooledGroup(name: $0.name, studies: $0.studies, measure: measure, options: options) }
        let results = pooled.compactMap { $0.result }
        guard results.count >= 2 else { return SubgroupAnalysis(groups: pooled, qBetween: nil, qBetweenDF: nil, qBetweenP: nil) }
        let q = Heterogeneity.cochranQ(yi: results.map(\.estimate), vi: results.map { $0.se * $0.se })
        let df = results.count - 1
        return SubgroupAnalysis(groups: pooled, qBetween: q, qBetweenDF: df,
                                qBetweenP: Distributions.chiSquareUpperTail(q, df: Double(df)))
    }

    private static func pooledGroup(name: String, studies: [Study], measure: EffectType,
                                    options: PoolingOptions) -> SubgroupAnalysis.Group {
        guard studies.count >= 2 else {
            let count = studies.count == 1 ? "only 1 study" : "no studies"
            return .init(name: name, result: nil, reason: "\(count); a subgroup needs at least 2 to pool")
        }
        do throws(PoolingError) {
            return .init(name: name, result: try Pooling.pool(studies, measure: measure, options: options), reason: nil)
        } catch {
            return .init(name: name, result: nil, reason: error.description)
        }
    }
}
