import Testing
import EvidenceModel
@testable import MetaAnalysis

struct SensitivityAnalysisTests {
    @Test func leaveOneOutNeedsThreeStudies() throws {
        let two = Array(PublishedData.bcg.prefix(2)), three = Array(PublishedData.bcg.prefix(3))
        #expect(try MetaAnalysis.leaveOneOut(two, measure: .rr, options: PoolingOptions()).isEmpty)
        let rows = try MetaAnalysis.leaveOneOut(three, measure: .rr, options: PoolingOptions(method: .derSimonianLaird))
        #expect(rows.map(\.omitted) == three.map(\.label))
        for (index, row) in rows.enumerated() {
            var rest = three
            rest.remove(at: index)
            #expect(row.result == (try MetaAnalysis.pool(rest, measure: .rr, options: PoolingOptions(method: .derSimonianLaird))))
        }
    }

    @Test func subgroupsAreEachPooledAndTestedForDifferences() throws {
        // dat.bcg split by allocation (random: trials 1-4, 7-9; alternate: 5-6; systematic: 10-13),
        // each pooled by REML; then rma(est, sei=se, method="FE"). Computed with metafor 3.8-1:
        //   fits <- lapply(split(dat, dat$alloc), function(d) rma(yi, vi, data=d))
        //   est: alternate -0.5407929618, random -0.9709644758, systematic -0.4242073430
        //   se:  alternate  0.2816016131, random  0.2759557015, systematic  0.3597453874
        //   rma(est, sei=se, method="FE"): QE = 1.8614461412, QEp = 0.3942685233
        let bcg = PublishedData.bcg
        let groups: [(name: String, studies: [Study])] = [
            ("alternate", [bcg[4], bcg[5]]),
            ("random", [bcg[0], bcg[1], bcg[2], bcg[3], bcg[6], bcg[7], bcg[8]]),
            ("systematic", Array(bcg[9...12])),
            ("unreported", [bcg[0]]),
        ]
        let analysis = MetaAnalysis.subgroups(groups, measure: .rr, options: PoolingOptions())
        let estimates = analysis.groups.compactMap { $0.result?.estimate }
        let ses = analysis.groups.compactMap { $0.result?.se }
        for (actual, expected) in zip(estimates, [-0.5407929618, -0.9709644758, -0.4242073430]) { expectPrinted(actual, expected, decimals: 8) }
        for (actual, expected) in zip(ses, [0.2816016131, 0.2759557015, 0.3597453874]) { expectPrinted(actual, expected, decimals: 8) }
        expectPrinted(try #require(analysis.qBetween), 1.8614461412, decimals: 8)
        expectPrinted(try #require(analysis.qBetweenP), 0.3942685233, decimals: 8)
        #expect(analysis.qBetweenDF == 2)
        #expect(analysis.groups[3].result == nil && analysis.groups[3].reason?.contains("only 1 study") == true)
    }

    @Test func subgroupsWithFewerThanTwoPooledGroupsHaveNoTest() {
        let analysis = MetaAnalysis.subgroups([("a", Array(PublishedData.bcg.prefix(3))), ("b", [])], measure: .rr,
                                              options: PoolingOptions())
        #expect(analysis.groups[0].result != nil && analysis.groups[1].reason?.contains("no studies") == true)
        #expect(analysis.qBetween == nil && analysis.qBetweenDF == nil && analysis.qBetweenP == nil)
    }
}
