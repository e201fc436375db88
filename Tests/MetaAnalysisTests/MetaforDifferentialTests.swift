import Foundation
import TestHarness
import Testing
import EvidenceModel
@testable import MetaAnalysis

/// Every model on many SYNTHETIC datasets, compared live with R's metafor run on the same
/// numbers (Reference/metafor-reference.R, one Rscript process for all of them).
///
/// Agreement: |ours − metafor| ≤ 5e-5·|metafor| (4 significant digits), or ≤ 1e-8 absolute
/// for figures at or near 0 (τ² = 0, a risk difference of 0). Compared per model: estimate,
/// SE, CI, z or t, p, τ², I², H², Q and its p, the prediction interval (random effects), and
/// per study yi, vi, CI and the weight; at 95 % and at other confidence levels. Where metafor fails (REML not converging within its
/// iterations, an undefined Mantel-Haenszel ratio) the Swift model must fail too, and the
/// other way round.
struct MetaforDifferentialTests {
    static let relativeTolerance = 5e-5
    static let absoluteFloor = 1e-8

    // About 15 s alone; several times that while the whole suite shares the 2 cores.
    @Test(.timeLimit(.minutes(5)))
    func everyModelMatchesMetafor() async throws {
        let started = ContinuousClock.now
        let datasets = SyntheticMetaAnalysis.generate(seed: 0x1515_2025, perScenario: 4)
        let jobs = datasets.flatMap(Job.all(for:))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("metafor-differential-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try ReferenceFiles.write(datasets, jobs: jobs, to: folder)

        let rStarted = ContinuousClock.now
        guard let output = try await Metafor.run(folder: folder) else { return }
        let rDuration = ContinuousClock.now - rStarted
        let references = try Metafor.parse(output.lines)

        var tally = Tally()
        for job in jobs {
            guard let reference = references[job.id] else {
                Issue.record("metafor gave no answer for \(job.id)")
                continue
            }
            tally.compare(job, reference)
        }
        let total = ContinuousClock.now - started
        print("""
            metafor \(output.version) differential test: \(datasets.count) SYNTHETIC datasets, \(jobs.count) models, \
            \(tally.comparisons) figures compared, \(tally.bothRefused) models refused by both; \
            Rscript \(rDuration.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1)))), \
            whole test \(total.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1))))
            worst relative deviation per quantity (|Δ|/|metafor|, figures with |metafor| ≥ 1e-6):
            \(tally.worstReport)
            """)
        #expect(tally.comparisons > 10_000)
        #expect(output.version.hasPrefix("3.8"), "the expected figures are metafor 3.8's; found \(output.version)")
    }
}

/// One model to fit on one dataset.
struct Job {
    let id: String
    let dataset: SyntheticMetaAnalysis
    let measure: EffectType
    let options: PoolingOptions

    static func all(for dataset: SyntheticMetaAnalysis) -> [Job] {
        // Two jobs use other confidence levels (t and z critical values, study CIs); REML allowed
        // only 3 iterations checks that both agree on which datasets converge in time.
        var methods: [PoolingOptions] = [
            .init(method: .commonEffect), .init(method: .derSimonianLaird), .init(method: .reml),
            .init(method: .derSimonianLaird, hartungKnapp: true, level: 0.9), .init(method: .reml, hartungKnapp: true),
            .init(method: .reml, maximumIterations: 3),
        ]
        if dataset.kind == .binary { methods.append(.init(method: .mantelHaenszel, level: 0.8)) }
        return dataset.measures.flatMap { measure in
            methods.map { options in
                let suffix = (options.hartungKnapp ? "-hk" : "") + (options.maximumIterations != 100 ? "-maxiter\(options.maximumIterations)" : "")
                    + (options.level != 0.95 ? "-level\(Int(options.level * 100))" : "")
                return Job(id: "\(dataset.id)-\(measure.rawValue)-\(options.method.rawValue)\(suffix)",
                           dataset: dataset, measure: measure, options: options)
            }
        }
    }
}

/// studies.csv and jobs.csv as metafor-reference.R reads them.
enum ReferenceFiles {
    static func write(_ datasets: [SyntheticMetaAnalysis], jobs: [Job], to folder: URL) throws {
        var studies = "dataset,kind,ai,n1i,ci,n2i,m1i,sd1i,m2i,sd2i,yi,sei\n"
        for dataset in datasets {
            for study in dataset.studies {
                let fields: [String]
                switch study.data {
                case let .binary(a, n1, c, n2): fields = ["\(a)", "\(n1)", "\(c)", "\(n2)", "", "", "", "", "", ""]
                case let .continuous(m1, sd1, n1, m2, sd2, n2): fields = ["", "\(n1)", "", "\(n2)", "\(m1)", "\(sd1)", "\(m2)", "\(sd2)", "", ""]
                case let .estimate(yi, se): fields = ["", "", "", "", "", "", "", "", "\(yi)", "\(se)"]
                }
                studies += ([dataset.id, dataset.kind.rawValue] + fields).joined(separator: ",") + "\n"
            }
        }
        var table = "job,dataset,measure,method,knha,maxiter,level\n"
        for job in jobs {
            let method = job.options.method == .commonEffect ? "FE" : job.options.method.rawValue.uppercased()
            table += "\(job.id),\(job.dataset.id),\(job.measure.rawValue),\(method),\(job.options.hartungKnapp ? 1 : 0),"
                + "\(job.options.maximumIterations),\(Int((job.options.level * 100).rounded()))\n"
        }
        try studies.write(to: folder.appendingPathComponent("studies.csv"), atomically: true, encoding: .utf8)
        try table.write(to: folder.appendingPathComponent("jobs.csv"), atomically: true, encoding: .utf8)
    }
}

/// metafor's answer for one job (null figures are nil).
struct Reference: Decodable {
    var job: String
    var ok: Bool
    var error: String?
    var estimate, se, ci_lb, ci_ub, stat, p, tau2, I2, H2, QE, QEp, pi_lb, pi_ub: Double?
    var yi, vi, ci_lb_i, ci_ub_i, weights: [Double?]?
}

enum Metafor {
    static let install = "install R's metafor with `apt-get install r-cran-metafor` (.ci/run does this on CI)"

    /// Runs the reference script once; nil (with the failure recorded) when R or metafor is missing.
    static func run(folder: URL) async throws -> (version: String, lines: [String])? {
        guard let rscript = executable(named: "Rscript") else {
            Issue.record("Rscript was not found on PATH: \(install)")
            return nil
        }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Reference/metafor-reference.R")
        // R takes seconds: TestHarness.run waits on threads of its own, not on one of the few
        // the suite's in-process services share (a blocked cooperative thread stalls them).
        let run = try await TestHarness.run(rscript.path, ["--vanilla", script.path, folder.path])
        guard run.status == 0 else {
            let hint = run.status == 3 ? install : "Rscript failed"
            Issue.record("\(hint) (exit \(run.status)): \(run.stderr.suffix(2000))")
            return nil
        }
        let (data, errors) = (Data(run.stdout.utf8), run.stderr)
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        guard let header = lines.first, let version = header.split(separator: "\"").dropFirst(3).first else {
            Issue.record("the reference script printed no header: \(errors.suffix(2000))")
            return nil
        }
        return (String(version), Array(lines.dropFirst()))
    }

    static func parse(_ lines: [String]) throws -> [String: Reference] {
        let decoder = JSONDecoder()
        var references: [String: Reference] = [:]
        for line in lines {
            let reference = try decoder.decode(Reference.self, from: Data(line.utf8))
            references[reference.job] = reference
        }
        return references
    }

    private static func executable(named name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}

/// Compares figures and keeps the worst deviation per quantity.
struct Tally {
    var comparisons = 0
    var bothRefused = 0
    private var worst: [String: (deviation: Double, job: String)] = [:]
    private static let order = ["estimate", "se", "ci", "statistic", "p", "tau2", "I2", "H2", "Q", "Q p",
                                "prediction interval", "study yi", "study vi", "study ci", "study weight"]

    var worstReport: String {
        Self.order.compactMap { name in
            worst[name].map { "  \(name): \(String(format: "%.2e", $0.deviation)) (\($0.job))" }
        }.joined(separator: "\n")
    }

    mutating func compare(_ job: Job, _ reference: Reference) {
        let metaforFailed = !reference.ok || reference.estimate == nil || reference.se == 0
        let result: PooledResult
        do {
            result = try MetaAnalysis.pool(job.dataset.studies, measure: job.measure, options: job.options)
        } catch {
            if metaforFailed {
                bothRefused += 1
            } else {
                Issue.record("\(job.id): Swift refused (\(error)) but metafor pooled it")
            }
            return
        }
        guard !metaforFailed else {
            Issue.record("\(job.id): metafor failed (\(reference.error ?? "NA estimate")) but Swift pooled it")
            return
        }
        check("estimate", result.estimate, reference.estimate, job)
        check("se", result.se, reference.se, job)
        check("ci", result.ciLow, reference.ci_lb, job)
        check("ci", result.ciHigh, reference.ci_ub, job)
        check("statistic", result.statistic, reference.stat, job)
        check("p", result.p, reference.p, job)
        check("tau2", result.tau2, reference.tau2, job)
        check("I2", result.i2, reference.I2, job)
        check("H2", result.h2, reference.H2, job)
        check("Q", result.q, reference.QE, job)
        check("Q p", result.qP, reference.QEp, job)
        if job.options.method.isRandomEffects {
            check("prediction interval", result.predictionLow, reference.pi_lb, job)
            check("prediction interval", result.predictionHigh, reference.pi_ub, job)
        } else if result.predictionLow != nil || result.predictionHigh != nil {
            Issue.record("\(job.id): a common-effect model has a prediction interval")
        }
        let count = result.studies.count
        guard reference.yi?.count == count, reference.vi?.count == count, reference.weights?.count == count,
              reference.ci_lb_i?.count == count, reference.ci_ub_i?.count == count else {
            Issue.record("\(job.id): metafor returned a different number of studies")
            return
        }
        for i in 0..<count {
            check("study yi", result.studies[i].yi, reference.yi?[i], job)
            check("study vi", result.studies[i].vi, reference.vi?[i], job)
            check("study ci", result.studies[i].ciLow, reference.ci_lb_i?[i], job)
            check("study ci", result.studies[i].ciHigh, reference.ci_ub_i?[i], job)
            check("study weight", result.studies[i].weight, reference.weights?[i], job)
        }
    }

    private mutating func check(_ name: String, _ ours: Double?, _ theirs: Double?, _ job: Job) {
        guard let ours, let theirs else {
            Issue.record("\(job.id) \(name): Swift \(String(describing: ours)), metafor \(String(describing: theirs))")
            return
        }
        comparisons += 1
        let difference = abs(ours - theirs)
        if difference > MetaforDifferentialTests.relativeTolerance * abs(theirs) && difference > MetaforDifferentialTests.absoluteFloor {
            Issue.record("\(job.id) \(name): Swift \(ours), metafor \(theirs)")
        }
        let deviation = abs(theirs) >= 1e-6 ? difference / abs(theirs) : 0
        if deviation >= (worst[name]?.deviation ?? -1) { worst[name] = (deviation, job.id) }
    }
}
