import Foundation
import Testing
import EvidenceModel
@testable import MetaAnalysis

/// What pooling refuses, and that hostile numbers give a clear PoolingError rather than a
/// trap or a NaN.
struct RefusalTests {
    let twoArms: [Study] = [
        Study(label: "SYNTHETIC A", data: .binary(eventsTreatment: 5, totalTreatment: 50, eventsControl: 9, totalControl: 50)),
        Study(label: "SYNTHETIC B", data: .binary(eventsTreatment: 7, totalTreatment: 80, eventsControl: 12, totalControl: 75)),
        Study(label: "SYNTHETIC C", data: .binary(eventsTreatment: 2, totalTreatment: 40, eventsControl: 8, totalControl: 41)),
    ]

    @Test func remlThatDoesNotConvergeIsReported() {
        // metafor stops alike: rma(yi, vi, data=dat, control=list(maxiter=1)) on dat.bcg gives
        // "Fisher scoring algorithm did not converge."
        let options = PoolingOptions(method: .reml, maximumIterations: 1)
        #expect(throws: PoolingError.didNotConverge(iterations: 1)) {
            try MetaAnalysis.pool(PublishedData.bcg, measure: .rr, options: options)
        }
        #expect(PoolingError.didNotConverge(iterations: 1).description.contains("--method dl"))
        // The same data converge with the default 100 iterations, in 3.
        #expect((try? MetaAnalysis.pool(PublishedData.bcg, measure: .rr, options: PoolingOptions(method: .reml)))?.iterations == 3)
    }

    @Test func hartungKnappOnlyForRandomEffects() {
        for method in [PoolingMethod.commonEffect, .mantelHaenszel] {
            #expect {
                try MetaAnalysis.pool(twoArms, measure: .rr, options: PoolingOptions(method: method, hartungKnapp: true))
            } throws: { error in
                guard case .notApplicable(let reason) = error as? PoolingError else { return false }
                return reason.contains("Hartung-Knapp") && reason.contains("random-effects")
            }
        }
        #expect((try? MetaAnalysis.pool(twoArms, measure: .rr, options: PoolingOptions(method: .derSimonianLaird, hartungKnapp: true)))?.df == 2)
    }

    @Test func hartungKnappOnIdenticalEffectsIsRefusedRatherThanAZeroStandardError() {
        let same = (1...3).map { Study(label: "SYNTHETIC \($0)", data: .estimate(yi: 0.4, se: 0.1 * Double($0))) }
        #expect(throws: PoolingError.self) {
            try MetaAnalysis.pool(same, measure: .md, options: PoolingOptions(method: .reml, hartungKnapp: true))
        }
        let plain = try? MetaAnalysis.pool(same, measure: .md, options: PoolingOptions(method: .reml))
        #expect(abs((plain?.estimate ?? 0) - 0.4) < 1e-15 && plain?.tau2 == 0)
    }

    @Test func fewerThanTwoStudiesAreRefused() {
        #expect(throws: PoolingError.tooFewStudies(1)) {
            try MetaAnalysis.pool([twoArms[0]], measure: .rr, options: PoolingOptions())
        }
        #expect(throws: PoolingError.tooFewStudies(0)) { try MetaAnalysis.pool([], measure: .or, options: PoolingOptions()) }
    }

    @Test func dataThatCannotGiveTheMeasureIsUnusableWithAReason() {
        let means = StudyData.continuous(meanTreatment: 3, sdTreatment: 1, nTreatment: 10, meanControl: 4, sdControl: 1, nControl: 10)
        #expect(throws: PoolingError.unusable(label: "study", reason: "arm means cannot give a risk ratio")) {
            try MetaAnalysis.effectSize(means, measure: .rr)
        }
        #expect(throws: PoolingError.unusable(label: "study", reason: "event counts per arm cannot give a mean difference")) {
            try MetaAnalysis.effectSize(twoArms[0].data, measure: .md)
        }
        #expect(throws: PoolingError.self) { try MetaAnalysis.effectSize(twoArms[0].data, measure: .hr) }
        let mixed = twoArms + [Study(label: "SYNTHETIC means", data: means)]
        #expect(throws: PoolingError.unusable(label: "SYNTHETIC means", reason: "arm means cannot give an odds ratio")) {
            try MetaAnalysis.pool(mixed, measure: .or, options: PoolingOptions())
        }
    }

    @Test func mantelHaenszelNeedsBinaryDataAndABinaryMeasure() {
        let estimates = (1...3).map { Study(label: "SYNTHETIC \($0)", data: .estimate(yi: 0.1 * Double($0), se: 0.2)) }
        #expect(throws: PoolingError.self) {
            try MetaAnalysis.pool(estimates, measure: .rr, options: PoolingOptions(method: .mantelHaenszel))
        }
        #expect(throws: PoolingError.self) {
            try MetaAnalysis.pool(estimates, measure: .md, options: PoolingOptions(method: .mantelHaenszel))
        }
        // No events in any control arm: metafor's MH risk ratio is NA; here it is refused.
        let noControlEvents = [(3, 20), (1, 30)].enumerated().map { index, arm in
            Study(label: "SYNTHETIC \(index)", data: .binary(eventsTreatment: arm.0, totalTreatment: arm.1, eventsControl: 0, totalControl: 25))
        }
        #expect(throws: PoolingError.self) {
            try MetaAnalysis.pool(noControlEvents, measure: .rr, options: PoolingOptions(method: .mantelHaenszel))
        }
        #expect(throws: PoolingError.notApplicable("a proportion of participants is not a between-group effect; pool RR, OR, RD, HR, MD or SMD")) {
            try MetaAnalysis.pool(estimates, measure: .proportion, options: PoolingOptions())
        }
    }

    @Test(arguments: [
        StudyData.binary(eventsTreatment: 12, totalTreatment: 10, eventsControl: 1, totalControl: 10),
        .binary(eventsTreatment: -1, totalTreatment: 10, eventsControl: 1, totalControl: 10),
        .binary(eventsTreatment: 0, totalTreatment: 0, eventsControl: 1, totalControl: 10),
        .binary(eventsTreatment: 1, totalTreatment: Int.max, eventsControl: 1, totalControl: 10),
        .binary(eventsTreatment: Int.min, totalTreatment: Int.min, eventsControl: 1, totalControl: 10),
        .continuous(meanTreatment: .nan, sdTreatment: 1, nTreatment: 10, meanControl: 0, sdControl: 1, nControl: 10),
        .continuous(meanTreatment: 1, sdTreatment: .infinity, nTreatment: 10, meanControl: 0, sdControl: 1, nControl: 10),
        .continuous(meanTreatment: 1, sdTreatment: 0, nTreatment: 10, meanControl: 0, sdControl: 1, nControl: 10),
        .continuous(meanTreatment: 1, sdTreatment: -2, nTreatment: 10, meanControl: 0, sdControl: 1, nControl: 10),
        .continuous(meanTreatment: 1, sdTreatment: 1, nTreatment: 0, meanControl: 0, sdControl: 1, nControl: 10),
        .continuous(meanTreatment: 1e308, sdTreatment: 1, nTreatment: 10, meanControl: -1e308, sdControl: 1, nControl: 10),
        .continuous(meanTreatment: 1, sdTreatment: 1e200, nTreatment: 10, meanControl: 0, sdControl: 1, nControl: 10),
        .estimate(yi: .infinity, se: 0.1), .estimate(yi: 0.1, se: 0), .estimate(yi: 0.1, se: -1), .estimate(yi: 0.1, se: .nan),
        .estimate(yi: 0.1, se: 1e-200), .estimate(yi: 0.1, se: 1e200),
    ])
    func hostileNumbersAreRefusedWithAReason(_ data: StudyData) {
        let measure: EffectType = switch data {
        case .binary: .or
        case .continuous: .smd
        case .estimate: .md
        }
        let studies = [Study(label: "SYNTHETIC hostile", data: data), Study(label: "SYNTHETIC fine", data: .estimate(yi: 0, se: 1))]
        let fineData: StudyData = switch data {
        case .binary: .binary(eventsTreatment: 1, totalTreatment: 10, eventsControl: 2, totalControl: 10)
        case .continuous: .continuous(meanTreatment: 1, sdTreatment: 1, nTreatment: 10, meanControl: 0, sdControl: 1, nControl: 10)
        case .estimate: .estimate(yi: 0, se: 1)
        }
        let pair = [studies[0], Study(label: "SYNTHETIC fine", data: fineData)]
        #expect {
            try MetaAnalysis.pool(pair, measure: measure, options: PoolingOptions())
        } throws: { error in
            guard case .unusable(let label, let reason) = error as? PoolingError else { return false }
            return label == "SYNTHETIC hostile" && !reason.isEmpty
        }
    }

    @Test func extremeButValidVariancesGiveFiniteFiguresOrARefusal() {
        let extremes = [
            Study(label: "SYNTHETIC tiny", data: .estimate(yi: 0.1, se: 1e-150)),
            Study(label: "SYNTHETIC huge", data: .estimate(yi: 1e150, se: 1e150)),
            Study(label: "SYNTHETIC plain", data: .estimate(yi: -0.2, se: 0.3)),
        ]
        for method in [PoolingMethod.commonEffect, .derSimonianLaird, .reml] {
            for hartungKnapp in method.isRandomEffects ? [false, true] : [false] {
                do {
                    let result = try MetaAnalysis.pool(extremes, measure: .md, options: PoolingOptions(method: method, hartungKnapp: hartungKnapp))
                    #expect(result.isFinite)
                } catch {
                    #expect(!error.description.isEmpty)
                }
            }
        }
    }

    @Test(arguments: [
        PoolingOptions(level: 1.5), PoolingOptions(level: 0), PoolingOptions(level: .nan),
        PoolingOptions(maximumIterations: 0), PoolingOptions(tolerance: 0), PoolingOptions(tolerance: .infinity),
    ])
    func nonsensicalOptionsAreRefused(_ options: PoolingOptions) {
        #expect(throws: PoolingError.self) { try MetaAnalysis.pool(twoArms, measure: .rr, options: options) }
    }
}
