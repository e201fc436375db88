import Foundation
import Testing
import EvidenceModel
@testable import MetaAnalysis

/// metafor's own published figures, reproduced. Every expected value is copied from
/// github.com/wviechtb/metafor at tag v3.8-1 (the version Debian ships as r-cran-metafor
/// 3.8-1); the comment beside each names the file and lines. They are printed to 4 decimals
/// (a few to 2 or 6), so each is checked to half a unit in its last printed digit.
struct PublishedExamplesTests {
    let fe = PoolingOptions(method: .commonEffect)
    let dl = PoolingOptions(method: .derSimonianLaird)
    let reml = PoolingOptions(method: .reml)
    let mh = PoolingOptions(method: .mantelHaenszel)

    // MARK: dat.bcg, binary

    @Test func bcgRiskRatioOfTheFirstTrial() throws {
        // tests/testthat/test_misc_escalc.r lines 11-12
        let effect = try MetaAnalysis.effectSize(PublishedData.bcg[0].data, measure: .rr)
        expectPrinted(effect.yi, -0.8893)
        expectPrinted(effect.vi, 0.3256)
    }

    @Test func bcgRiskRatioCommonEffect() throws {
        // tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r lines 13-27
        let result = try MetaAnalysis.pool(PublishedData.bcg, measure: .rr, options: fe)
        expectPrinted(result.estimate, -0.4303)
        expectPrinted(result.ciLow, -0.5097)
        expectPrinted(result.ciHigh, -0.3509)
        expectPrinted(result.statistic, -10.6247)
        expectPrinted(result.q, 152.2330)
        expectPrinted(exp(result.estimate), 0.6503)
        expectPrinted(exp(result.ciLow), 0.6007)
        expectPrinted(exp(result.ciHigh), 0.7040)
        #expect(result.tau2 == 0 && result.predictionLow == nil && result.predictionHigh == nil && result.df == nil)
    }

    @Test func bcgRiskRatioDerSimonianLaird() throws {
        // tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r lines 39-52
        let result = try MetaAnalysis.pool(PublishedData.bcg, measure: .rr, options: dl)
        expectPrinted(result.estimate, -0.7141)
        expectPrinted(result.ciLow, -1.0644)
        expectPrinted(result.ciHigh, -0.3638)
        expectPrinted(result.statistic, -3.9952)
        expectPrinted(result.tau2, 0.3088)
        expectPrinted(result.i2, 92.1173)
        expectPrinted(exp(result.estimate), 0.4896)
        expectPrinted(exp(result.ciLow), 0.3449)
        expectPrinted(exp(result.ciHigh), 0.6950)
    }

    @Test func bcgOddsRatioCommonEffectAndDerSimonianLaird() throws {
        // tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r lines 64-76
        let common = try MetaAnalysis.pool(PublishedData.bcg, measure: .or, options: fe)
        expectPrinted(common.estimate, -0.4361)
        expectPrinted(common.ciLow, -0.5190)
        expectPrinted(common.ciHigh, -0.3533)
        expectPrinted(common.statistic, -10.3190)
        expectPrinted(common.q, 163.1649)
        expectPrinted(exp(common.estimate), 0.6465)
        // same file, lines 88-101
        let random = try MetaAnalysis.pool(PublishedData.bcg, measure: .or, options: dl)
        expectPrinted(random.estimate, -0.7474)
        expectPrinted(random.ciLow, -1.1242)
        expectPrinted(random.ciHigh, -0.3706)
        expectPrinted(random.statistic, -3.8873)
        expectPrinted(random.tau2, 0.3663)
        expectPrinted(random.i2, 92.6455)
        expectPrinted(exp(random.ciHigh), 0.6903)
    }

    @Test func bcgRiskDifferenceCommonEffectAndDerSimonianLaird() throws {
        // tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r lines 113-117
        let common = try MetaAnalysis.pool(PublishedData.bcg, measure: .rd, options: fe)
        expectPrinted(common.estimate, -0.0009)
        expectPrinted(common.ciLow, -0.0014)
        expectPrinted(common.ciHigh, -0.0005)
        expectPrinted(common.statistic, -4.0448)
        expectPrinted(common.q, 276.4737)
        // same file, lines 129-134
        let random = try MetaAnalysis.pool(PublishedData.bcg, measure: .rd, options: dl)
        expectPrinted(random.estimate, -0.0071)
        expectPrinted(random.ciLow, -0.0101)
        expectPrinted(random.ciHigh, -0.0040)
        expectPrinted(random.statistic, -4.5128)
        expectPrinted(random.tau2, 0.0000)
        expectPrinted(random.i2, 95.6596)
    }

    @Test func bcgRiskRatioREML() throws {
        // docs/reference/rma.uni.html lines 538-549 (the rma.uni help page's first example)
        let result = try MetaAnalysis.pool(PublishedData.bcg, measure: .rr, options: reml)
        expectPrinted(result.tau2, 0.3132)
        expectPrinted(result.tau, 0.5597)
        expectPrinted(result.i2, 92.22, decimals: 2)
        expectPrinted(result.h2, 12.86, decimals: 2)
        expectPrinted(result.q, 152.2330)
        #expect(result.qDF == 12 && result.qP < 0.0001)
        expectPrinted(result.estimate, -0.7145)
        expectPrinted(result.se, 0.1798)
        expectPrinted(result.statistic, -3.9744)
        #expect(result.p < 0.0001)
        expectPrinted(result.ciLow, -1.0669)
        expectPrinted(result.ciHigh, -0.3622)
        // docs/reference/predict.rma.html line 247: predict(res, transf=exp)
        expectPrinted(exp(result.estimate), 0.4894)
        expectPrinted(exp(result.ciLow), 0.3441)
        expectPrinted(exp(result.ciHigh), 0.6962)
        expectPrinted(exp(try #require(result.predictionLow)), 0.1546)
        expectPrinted(exp(try #require(result.predictionHigh)), 1.5490)
        // tests/testthat/test_misc_influence.r line 17: weight of study 1 in percent
        expectPrinted(result.studies[0].weight, 5.059483, decimals: 6)
        // rma(yi, vi, data=dat, verbose=TRUE) with metafor 3.8-1 prints
        // "Fisher scoring algorithm converged after 3 iterations."
        #expect(result.iterations == 3)
    }

    @Test func bcgRiskRatioREMLWithHartungKnapp() throws {
        // README.md lines 131-157: rma(yi, vi, data=dat, test="knha") and predict(res, transf=exp, digits=2)
        let result = try MetaAnalysis.pool(PublishedData.bcg, measure: .rr,
                                           options: PoolingOptions(method: .reml, hartungKnapp: true))
        expectPrinted(result.tau2, 0.3132)
        expectPrinted(result.estimate, -0.7145)
        expectPrinted(result.se, 0.1808)
        expectPrinted(result.statistic, -3.9522)
        #expect(result.df == 12)
        expectPrinted(result.p, 0.0019)
        expectPrinted(result.ciLow, -1.1084)
        expectPrinted(result.ciHigh, -0.3206)
        expectPrinted(exp(result.estimate), 0.49, decimals: 2)
        expectPrinted(exp(result.ciLow), 0.33, decimals: 2)
        expectPrinted(exp(result.ciHigh), 0.73, decimals: 2)
        expectPrinted(exp(try #require(result.predictionLow)), 0.14, decimals: 2)
        expectPrinted(exp(try #require(result.predictionHigh)), 1.76, decimals: 2)
    }

    @Test func bcgLeaveOneOutREML() throws {
        // docs/reference/leave1out.html lines 213-226 (leave1out(res) for the REML model);
        // row 1 also in tests/testthat/test_misc_influence.r line 30.
        // estimate, se, zval, ci.lb, ci.ub, Q, tau2, I2, H2
        let published: [[Double]] = [
            [-0.7071, 0.1900, -3.7223, -1.0794, -0.3348, 151.5826, 0.3362, 93.2259, 14.7622],
            [-0.6540, 0.1807, -3.6195, -1.0082, -0.2999, 145.3176, 0.2926, 92.2540, 12.9098],
            [-0.6856, 0.1857, -3.6916, -1.0495, -0.3216, 150.1970, 0.3207, 92.9354, 14.1551],
            [-0.6284, 0.1766, -3.5580, -0.9746, -0.2822, 96.5626, 0.2628, 90.4125, 10.4302],
            [-0.7642, 0.1918, -3.9845, -1.1401, -0.3883, 151.3200, 0.3278, 92.7634, 13.8187],
            [-0.7109, 0.2003, -3.5499, -1.1034, -0.3184, 128.1867, 0.3596, 90.9118, 11.0033],
            [-0.6552, 0.1805, -3.6307, -1.0090, -0.3015, 145.8296, 0.2930, 92.2777, 12.9495],
            [-0.7948, 0.1799, -4.4184, -1.1473, -0.4422, 67.9858, 0.2732, 87.0314, 7.7109],
            [-0.7412, 0.1967, -3.7686, -1.1267, -0.3557, 152.2051, 0.3495, 93.2133, 14.7346],
            [-0.6530, 0.1843, -3.5439, -1.0142, -0.2919, 139.8271, 0.2987, 92.2322, 12.8737],
            [-0.7579, 0.1958, -3.8708, -1.1416, -0.3741, 151.4655, 0.3405, 91.8110, 12.2114],
            [-0.7598, 0.1821, -4.1727, -1.1167, -0.4029, 150.7868, 0.3082, 92.6782, 13.6579],
            [-0.7775, 0.1855, -4.1908, -1.1412, -0.4139, 149.7884, 0.3037, 92.3444, 13.0623],
        ]
        let rows = try MetaAnalysis.leaveOneOut(PublishedData.bcg, measure: .rr, options: reml)
        #expect(rows.map(\.omitted) == PublishedData.bcg.map(\.label))
        for (row, expected) in zip(rows, published) {
            let r = row.result
            for (actual, value) in zip([r.estimate, r.se, r.statistic, r.ciLow, r.ciHigh, r.q, r.tau2, r.i2, r.h2], expected) {
                expectPrinted(actual, value)
            }
            #expect(r.k == 12)
        }
    }

    @Test func bcgMantelHaenszel() throws {
        // docs/reference/rma.mh.html lines 302-320: rma.mh(measure="OR", …)
        let or = try MetaAnalysis.pool(PublishedData.bcg, measure: .or, options: mh)
        expectPrinted(or.i2, 92.68, decimals: 2)
        expectPrinted(or.h2, 13.66, decimals: 2)
        expectPrinted(or.q, 163.9426)
        expectPrinted(or.estimate, -0.4734)
        expectPrinted(or.se, 0.0410)
        expectPrinted(or.statistic, -11.5444)
        expectPrinted(or.ciLow, -0.5538)
        expectPrinted(or.ciHigh, -0.3930)
        expectPrinted(exp(or.estimate), 0.6229)
        // same page, lines 327-343: rma.mh(measure="RR", …)
        let rr = try MetaAnalysis.pool(PublishedData.bcg, measure: .rr, options: mh)
        expectPrinted(rr.i2, 92.13, decimals: 2)
        expectPrinted(rr.h2, 12.71, decimals: 2)
        expectPrinted(rr.q, 152.5676)
        expectPrinted(rr.estimate, -0.4537)
        expectPrinted(rr.se, 0.0393)
        expectPrinted(rr.statistic, -11.5338)
        expectPrinted(rr.ciLow, -0.5308)
        expectPrinted(rr.ciHigh, -0.3766)
        expectPrinted(exp(rr.ciHigh), 0.6862)
        // tests/testthat/test_misc_metan_vs_rma.mh_with_dat.bcg.r lines 57-61: measure="RD"
        let rd = try MetaAnalysis.pool(PublishedData.bcg, measure: .rd, options: mh)
        expectPrinted(rd.estimate, -0.0033)
        expectPrinted(rd.ciLow, -0.0039)
        expectPrinted(rd.ciHigh, -0.0027)
        expectPrinted(rd.statistic, -11.4708)
        expectPrinted(rd.q, 386.7759)
        for result in [or, rr, rd] {
            #expect(result.method == .mantelHaenszel && result.tau2 == 0 && result.predictionLow == nil)
            #expect(abs(result.studies.map(\.weight).reduce(0, +) - 100) < 1e-9)
        }
    }

    @Test func bcgLeaveOneOutMantelHaenszel() throws {
        // docs/reference/leave1out.html lines 252-265 (leave1out of rma.mh, measure="RR");
        // row 1 also in tests/testthat/test_misc_influence.r line 42.
        // estimate, se, zval, ci.lb, ci.ub, Q, I2, H2
        let published: [[Double]] = [
            [-0.4514, 0.0394, -11.4462, -0.5287, -0.3741, 151.9153, 92.7591, 13.8105],
            [-0.4410, 0.0395, -11.1512, -0.5185, -0.3635, 145.5727, 92.4436, 13.2339],
            [-0.4495, 0.0394, -11.4001, -0.5267, -0.3722, 150.5130, 92.6917, 13.6830],
            [-0.3392, 0.0414, -8.1874, -0.4205, -0.2580, 96.5629, 88.6085, 8.7784],
            [-0.4614, 0.0400, -11.5474, -0.5397, -0.3831, 151.6611, 92.7470, 13.7874],
            [-0.3666, 0.0448, -8.1809, -0.4544, -0.2788, 129.2200, 91.4874, 11.7473],
            [-0.4466, 0.0395, -11.3046, -0.5241, -0.3692, 146.2134, 92.4767, 13.2921],
            [-0.7758, 0.0520, -14.9267, -0.8777, -0.6739, 68.3763, 83.9126, 6.2160],
            [-0.4532, 0.0399, -11.3633, -0.5314, -0.3751, 152.5497, 92.7892, 13.8682],
            [-0.4278, 0.0399, -10.7338, -0.5059, -0.3497, 140.0446, 92.1454, 12.7313],
            [-0.4698, 0.0421, -11.1706, -0.5522, -0.3874, 151.8140, 92.7543, 13.8013],
            [-0.4566, 0.0394, -11.5865, -0.5338, -0.3794, 151.1253, 92.7213, 13.7387],
            [-0.4637, 0.0398, -11.6542, -0.5417, -0.3858, 150.1246, 92.6728, 13.6477],
        ]
        let rows = try MetaAnalysis.leaveOneOut(PublishedData.bcg, measure: .rr, options: mh)
        for (row, expected) in zip(rows, published) {
            let r = row.result
            for (actual, value) in zip([r.estimate, r.se, r.statistic, r.ciLow, r.ciHigh, r.q, r.i2, r.h2], expected) {
                expectPrinted(actual, value)
            }
        }
        #expect(rows.count == 13)
    }

    @Test func rothmanMantelHaenszelAtNinetyPercent() throws {
        let level90 = PoolingOptions(method: .mantelHaenszel, level: 0.90)
        // tests/testthat/test_analysis_example_rothman2008.r lines 92-99: measure="RD", level=90
        let rd = try MetaAnalysis.pool(PublishedData.rothmanTable15_1, measure: .rd, options: level90)
        expectPrinted(rd.estimate, 0.0349)
        expectPrinted(rd.ciLow, -0.0176)
        expectPrinted(rd.ciHigh, 0.0874)
        expectPrinted(rd.q, 0.0017)
        expectPrinted(rd.qP, 0.9669)
        // same file, lines 102-109: measure="RR", level=90
        let rr = try MetaAnalysis.pool(PublishedData.rothmanTable15_1, measure: .rr, options: level90)
        expectPrinted(rr.estimate, 0.2818)
        expectPrinted(rr.ciLow, -0.1442)
        expectPrinted(rr.ciHigh, 0.7078)
        expectPrinted(rr.q, 0.4472)
        expectPrinted(rr.qP, 0.5037)
        // same file, line 112: confint(res, transf=exp)
        expectPrinted(exp(rr.estimate), 1.3256)
        expectPrinted(exp(rr.ciLow), 0.8658)
        expectPrinted(exp(rr.ciHigh), 2.0296)
    }

    @Test func hineRiskDifferenceInPercentagePoints() throws {
        // tests/testthat/test_analysis_example_normand1999.r lines 12-22: escalc(measure="RD", …)*100
        let effects = try PublishedData.hine1989.map { try MetaAnalysis.effectSize($0.data, measure: .rd) }
        for (effect, expected) in zip(effects, [2.8026, 0.0000, 1.9711, 1.7961, 3.5334, 4.4031]) {
            expectPrinted(effect.yi * 100, expected)
        }
        for (effect, expected) in zip(effects, [17.7575, 37.5657, 8.1323, 10.8998, 8.0114, 6.1320]) {
            expectPrinted(effect.vi * 100 * 100, expected)
        }
        // lines 28-29: CIs of the individual studies
        let common = try MetaAnalysis.pool(PublishedData.hine1989, measure: .rd, options: fe)
        for (study, expected) in zip(common.studies, [-5.4566, -12.0128, -3.6182, -4.6747, -2.0141, -0.4503]) {
            expectPrinted(study.ciLow * 100, expected)
        }
        for (study, expected) in zip(common.studies, [11.0618, 12.0128, 7.5604, 8.2669, 9.0810, 9.2566]) {
            expectPrinted(study.ciHigh * 100, expected)
        }
        // lines 35-55: EE, REML and DL give the same pooled RD (τ² = 0)
        for options in [fe, reml, dl] {
            let result = try MetaAnalysis.pool(PublishedData.hine1989, measure: .rd, options: options)
            expectPrinted(result.estimate * 100, 2.9444)
            expectPrinted(result.ciLow * 100, 0.3831)
            expectPrinted(result.ciHigh * 100, 5.5058)
            expectPrinted(result.tau2, 0.0000)
        }
    }

    // MARK: dat.normand1999, continuous

    @Test func normandMeanDifference() throws {
        // tests/testthat/test_analysis_example_normand1999.r lines 62-65: both arms take the pooled SD
        let studies = PublishedData.normand1999.map { s in
            let pooled = ((Double(s.n1 - 1) * s.sd1 * s.sd1 + Double(s.n2 - 1) * s.sd2 * s.sd2) / Double(s.n1 + s.n2 - 2)).squareRoot()
            return Study(label: s.label, data: .continuous(meanTreatment: s.m1, sdTreatment: pooled, nTreatment: s.n1,
                                                           meanControl: s.m2, sdControl: pooled, nControl: s.n2))
        }
        let common = try MetaAnalysis.pool(studies, measure: .md, options: fe)
        // lines 68-69
        #expect(common.studies.map(\.yi) == [-20, -2, -55, -71, -4, 1, 11, -10, 7])
        for (study, expected) in zip(common.studies, [40.5863, 2.0468, 15.2809, 150.2222, 20.1923, 1.2235, 95.3756, 8.0321, 20.6936]) {
            expectPrinted(study.vi, expected)
        }
        // lines 75-76
        for (study, expected) in zip(common.studies, [-32.4864, -4.8041, -62.6616, -95.0223, -12.8073, -1.168, -8.1411, -15.5547, -1.9159]) {
            expectPrinted(study.ciLow, expected)
        }
        for (study, expected) in zip(common.studies, [-7.5136, 0.8041, -47.3384, -46.9777, 4.8073, 3.168, 30.1411, -4.4453, 15.9159]) {
            expectPrinted(study.ciHigh, expected)
        }
        // lines 82-84
        expectPrinted(common.estimate, -3.4939)
        expectPrinted(common.ciLow, -5.0265)
        expectPrinted(common.ciHigh, -1.9613)
        // lines 90-93
        let random = try MetaAnalysis.pool(studies, measure: .md, options: dl)
        expectPrinted(random.estimate, -14.0972)
        expectPrinted(random.ciLow, -24.4454)
        expectPrinted(random.ciHigh, -3.7490)
        expectPrinted(random.tau2, 218.7216)
        // lines 99-102
        let restricted = try MetaAnalysis.pool(studies, measure: .md, options: reml)
        expectPrinted(restricted.estimate, -15.1217)
        expectPrinted(restricted.ciLow, -32.6716)
        expectPrinted(restricted.ciHigh, 2.4282)
        expectPrinted(restricted.tau2, 685.1965)
    }

    @Test func normandStandardisedMeanDifference() throws {
        let studies = PublishedData.normand1999.prefix(4).map { s in
            Study(label: s.label, data: .continuous(meanTreatment: s.m1, sdTreatment: s.sd1, nTreatment: s.n1,
                                                    meanControl: s.m2, sdControl: s.sd2, nControl: s.n2))
        }
        // tests/testthat/test_misc_escalc.r lines 61-63 (studies 1-4)
        let effects = try studies.map { try MetaAnalysis.effectSize($0.data, measure: .smd) }
        for (effect, expected) in zip(effects, [-0.3552, -0.3479, -2.3176, -1.8880]) { expectPrinted(effect.yi, expected) }
        for (effect, expected) in zip(effects, [0.0131, 0.0645, 0.0458, 0.1606]) { expectPrinted(effect.vi, expected) }
        // tests/testthat/test_misc_rma_uni.r lines 37-42: REML τ² on the same four studies
        let result = try MetaAnalysis.pool(Array(studies), measure: .smd, options: reml)
        expectPrinted(result.tau2, 1.0090)
    }
}

/// `actual` agrees with a figure printed to `decimals` decimals: within half a unit of its last digit.
func expectPrinted(_ actual: Double, _ published: Double, decimals: Int = 4, sourceLocation: SourceLocation = #_sourceLocation) {
    let tolerance = 0.5 * pow(10, -Double(decimals)) + 1e-12
    #expect(abs(actual - published) <= tolerance, "\(actual) is not \(published) to \(decimals) decimals",
            sourceLocation: sourceLocation)
}
