import Foundation
import EvidenceModel
import MetaAnalysis

/// SYNTHETIC meta-analyses for the differential test: generated numbers, no real trials.
/// Deterministic for a seed, and covering the kinds of data that stress the models:
/// zero cells and double-zero studies, one huge study among small ones, homogeneous
/// studies (τ² = 0), k = 2, tiny arms, continuous MD/SMD and generic estimate + SE.
struct SyntheticMetaAnalysis {
    enum Kind: String { case binary, continuous, estimate }

    let id: String
    let kind: Kind
    let studies: [Study]

    var measures: [EffectType] {
        switch kind {
        case .binary: [.rr, .or, .rd]
        case .continuous: [.md, .smd]
        case .estimate: [.hr]
        }
    }

    /// `perScenario` datasets of each scenario.
    static func generate(seed: UInt64, perScenario: Int) -> [SyntheticMetaAnalysis] {
        var random = SplitMix64(seed: seed)
        var datasets: [SyntheticMetaAnalysis] = []
        for scenario in Scenario.allCases {
            for index in 0..<perScenario {
                let id = "\(scenario.rawValue)-\(index)"
                datasets.append(SyntheticMetaAnalysis(id: id, kind: scenario.kind,
                                                      studies: scenario.studies(using: &random)))
            }
        }
        return datasets
    }

    enum Scenario: String, CaseIterable {
        case binaryTypical, binaryZeroCells, binaryNoControlEvents, binaryHugeStudy, binaryHomogeneous, binaryTwoStudies
        case continuousTypical, continuousTinyArms, continuousHugeStudy, continuousHomogeneous, continuousTwoStudies
        case estimateTypical, estimateHugeStudy, estimateHomogeneous, estimateTwoStudies

        var kind: Kind {
            switch self {
            case .binaryTypical, .binaryZeroCells, .binaryNoControlEvents, .binaryHugeStudy, .binaryHomogeneous,
                 .binaryTwoStudies: .binary
            case .continuousTypical, .continuousTinyArms, .continuousHugeStudy, .continuousHomogeneous, .continuousTwoStudies: .continuous
            default: .estimate
            }
        }

        func studies(using random: inout SplitMix64) -> [Study] {
            var studies: [StudyData] = []
            switch self {
            case .binaryTypical:
                let k = random.int(3...14)
                let logRR = random.uniform(-0.8...0.3)
                for _ in 0..<k {
                    let risk = random.uniform(0.05...0.4)
                    studies.append(random.trial(n1: random.int(30...400), n2: random.int(30...400), controlRisk: risk,
                                                logRR: logRR + 0.4 * random.normal()))
                }
            case .binaryZeroCells:
                let k = random.int(4...10)
                for _ in 0..<k {
                    studies.append(random.trial(n1: random.int(8...40), n2: random.int(8...40),
                                                controlRisk: random.uniform(0.02...0.12), logRR: random.uniform(-1...0.5)))
                }
                // One study with no events in either arm, one with no events in one arm.
                let n = random.int(10...30)
                studies[0] = .binary(eventsTreatment: 0, totalTreatment: n, eventsControl: 0, totalControl: n + random.int(0...5))
                studies[1] = .binary(eventsTreatment: 0, totalTreatment: random.int(10...30),
                                     eventsControl: random.int(1...4), totalControl: random.int(10...30))
                if random.int(0...2) == 0 {
                    // Every participant had the event in both arms (the other kind of double zero).
                    let m = random.int(3...8)
                    studies[2] = .binary(eventsTreatment: m, totalTreatment: m, eventsControl: m + 1, totalControl: m + 1)
                }
            case .binaryNoControlEvents:
                // Rare events, none in any control arm: the Mantel-Haenszel RR and OR are undefined.
                for _ in 0..<random.int(2...5) {
                    let n1 = random.int(10...60)
                    studies.append(.binary(eventsTreatment: random.int(0...3), totalTreatment: n1,
                                           eventsControl: 0, totalControl: random.int(10...60)))
                }
            case .binaryHugeStudy:
                let k = random.int(3...9)
                for _ in 0..<k {
                    studies.append(random.trial(n1: random.int(20...100), n2: random.int(20...100),
                                                controlRisk: random.uniform(0.1...0.3), logRR: random.uniform(-0.9...0.2)))
                }
                studies[random.int(0...(k - 1))] = random.trial(n1: random.int(40_000...60_000), n2: random.int(40_000...60_000),
                                                                 controlRisk: random.uniform(0.05...0.2), logRR: -0.2)
            case .binaryHomogeneous:
                // Expected counts of one common risk pair: the tables differ only by rounding,
                // so Q is far below its df and τ² is 0.
                let k = random.int(3...10)
                let p1 = random.uniform(0.1...0.3), p2 = random.uniform(0.15...0.4)
                for _ in 0..<k {
                    let n1 = random.int(150...900), n2 = random.int(150...900)
                    studies.append(.binary(eventsTreatment: Int((Double(n1) * p1).rounded()), totalTreatment: n1,
                                           eventsControl: Int((Double(n2) * p2).rounded()), totalControl: n2))
                }
            case .binaryTwoStudies:
                for _ in 0..<2 {
                    studies.append(random.trial(n1: random.int(15...300), n2: random.int(15...300),
                                                controlRisk: random.uniform(0.05...0.5), logRR: random.uniform(-1...0.5)))
                }
            case .continuousTypical:
                let k = random.int(3...12)
                let difference = random.uniform(-8...2)
                for _ in 0..<k {
                    studies.append(random.arms(n1: random.int(10...200), n2: random.int(10...200), sd: random.uniform(4...20),
                                               difference: difference + 3 * random.normal()))
                }
            case .continuousTinyArms:
                let k = random.int(3...6)
                for _ in 0..<k {
                    studies.append(random.arms(n1: random.int(2...5), n2: random.int(2...5), sd: random.uniform(1...6),
                                               difference: random.uniform(-4...2)))
                }
            case .continuousHugeStudy:
                let k = random.int(3...8)
                for _ in 0..<k {
                    studies.append(random.arms(n1: random.int(10...60), n2: random.int(10...60), sd: random.uniform(5...15),
                                               difference: random.uniform(-6...1)))
                }
                studies[random.int(0...(k - 1))] = random.arms(n1: 20_000, n2: random.int(15_000...25_000), sd: 10, difference: -1)
            case .continuousHomogeneous:
                // The same mean difference in every study, SDs far larger than the differences' spread.
                let k = random.int(3...9)
                let difference = random.uniform(-3...0)
                for _ in 0..<k {
                    let sd = random.uniform(10...20), n1 = random.int(20...120), n2 = random.int(20...120)
                    let jitter = 0.05 * sd * random.normal() / Double(min(n1, n2)).squareRoot()
                    studies.append(.continuous(meanTreatment: 50 + difference + jitter, sdTreatment: sd, nTreatment: n1,
                                               meanControl: 50, sdControl: sd * random.uniform(0.9...1.1), nControl: n2))
                }
            case .continuousTwoStudies:
                for _ in 0..<2 {
                    studies.append(random.arms(n1: random.int(8...150), n2: random.int(8...150), sd: random.uniform(3...15),
                                               difference: random.uniform(-6...2)))
                }
            case .estimateTypical:
                let k = random.int(3...20)
                let effect = random.uniform(-0.6...0.2)
                for _ in 0..<k {
                    let se = random.uniform(0.05...0.5)
                    studies.append(.estimate(yi: effect + 0.25 * random.normal() + se * random.normal(), se: se))
                }
            case .estimateHugeStudy:
                let k = random.int(3...10)
                for _ in 0..<k {
                    let se = random.uniform(0.15...0.6)
                    studies.append(.estimate(yi: -0.3 + 0.2 * random.normal() + se * random.normal(), se: se))
                }
                studies[random.int(0...(k - 1))] = .estimate(yi: -0.1, se: random.uniform(0.001...0.005))
            case .estimateHomogeneous:
                let k = random.int(3...12)
                for _ in 0..<k {
                    let se = random.uniform(0.1...0.4)
                    studies.append(.estimate(yi: -0.2 + 0.2 * se * random.normal(), se: se))
                }
            case .estimateTwoStudies:
                for _ in 0..<2 {
                    let se = random.uniform(0.05...0.4)
                    studies.append(.estimate(yi: random.uniform(-0.8...0.4), se: se))
                }
            }
            return studies.enumerated().map { Study(label: "SYNTHETIC \($0.offset + 1)", data: $0.element) }
        }
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a small, seeded, reproducible generator.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uniform(_ range: ClosedRange<Double>) -> Double { Double.random(in: range, using: &self) }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    /// Standard normal by Box-Muller.
    mutating func normal() -> Double {
        let u = uniform(Double.ulpOfOne...1), v = uniform(0...1)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// Binomial draw: exact for small n, normal approximation (rounded, clamped) for large n.
    mutating func binomial(n: Int, p: Double) -> Int {
        if n <= 500 { return (0..<n).reduce(0) { count, _ in count + (uniform(0...1) < p ? 1 : 0) } }
        let draw = Double(n) * p + (Double(n) * p * (1 - p)).squareRoot() * normal()
        return min(n, max(0, Int(draw.rounded())))
    }

    mutating func trial(n1: Int, n2: Int, controlRisk: Double, logRR: Double) -> StudyData {
        let treatmentRisk = min(0.95, controlRisk * exp(logRR))
        return .binary(eventsTreatment: binomial(n: n1, p: treatmentRisk), totalTreatment: n1,
                       eventsControl: binomial(n: n2, p: controlRisk), totalControl: n2)
    }

    /// Two arms whose sample means and SDs scatter as they would around the true values.
    mutating func arms(n1: Int, n2: Int, sd: Double, difference: Double) -> StudyData {
        func sampleSD() -> Double { sd * uniform(0.7...1.3) }
        let sd1 = sampleSD(), sd2 = sampleSD()
        return .continuous(meanTreatment: 30 + difference + sd1 * normal() / Double(n1).squareRoot(), sdTreatment: sd1, nTreatment: n1,
                           meanControl: 30 + sd2 * normal() / Double(n2).squareRoot(), sdControl: sd2, nControl: n2)
    }
}
