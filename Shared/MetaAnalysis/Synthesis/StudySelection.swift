import EvidenceModel

/// Gathers the candidates' reports of the question's outcome, then decides what is pooled:
/// one report per study, one outcome per report, one measure, one scale. Everything left
/// out is listed with its reason (docs/SYNTHESIS.md, "What is refused and why").
struct StudySelection {
    let question: SynthesisQuestion
    private var reports: [Report] = []
    private(set) var excluded: [ExcludedStudy] = []
    private(set) var published: [PublishedPool] = []

    /// A primary study's report of the outcome.
    struct Report {
        var key: String
        var record: EvidenceRecord
        var label: String
        var outcome: Outcome
        var note: String?
    }

    init(question: SynthesisQuestion) { self.question = question }

    mutating func consider(_ candidate: EvidenceSynthesis.Candidate) {
        let record = candidate.record, label = EvidenceSynthesis.label(record)
        guard record.conditions.contains(question.condition) else { return }
        if let design = question.design, record.design != design { return }
        var outcomes = record.outcomes.filter { $0.measure == question.outcome }
        if let weeks = question.timepointWeeks { outcomes = outcomes.filter { $0.timepointWeeks == weeks } }
        guard !outcomes.isEmpty else { return }
        switch record.design {
        case .systematicReview, .metaAnalysis:
            // A review's pooled value is shown beside ours, never pooled again with its own trials.
            for outcome in outcomes {
                guard let effect = outcome.effect, effect.type != .proportion else { continue }
                published.append(PublishedPool(key: candidate.key, label: label, title: record.title, design: record.design,
                                               participants: record.participants, effect: effect))
            }
        case .preclinical:
            excluded.append(ExcludedStudy(key: candidate.key, label: label, reason: "preclinical: not pooled with studies in people"))
        default:
            let withData = outcomes.filter(\.hasEffectData)
            guard !withData.isEmpty else {
                excluded.append(ExcludedStudy(key: candidate.key, label: label,
                                              reason: "reports \(question.outcome) (\(outcomes[0].direction.rawValue)) without effect data"))
                return
            }
            // Several timepoints and no timepoint asked for: the latest, said so.
            let chosen = withData.max { ($0.timepointWeeks ?? -1) < ($1.timepointWeeks ?? -1) }!
            let note = withData.count > 1
                ? "\(withData.count) reports of \(question.outcome); the latest timepoint used (choose one with a timepoint)" : nil
            reports.append(Report(key: candidate.key, record: record, label: label, outcome: chosen, note: note))
        }
    }

    /// The synthesis of what was gathered.
    mutating func pooled(sensitivity: Bool) -> Synthesis {
        let studies = oneReportPerStudy()
        let measure = question.measure ?? Self.measure(for: studies.map(\.outcome))
        var included: [(report: Report, data: StudyData, notes: [String])] = []
        if let measure {
            for report in studies {
                switch EvidenceSynthesis.studyData(report.outcome, design: report.record.design, measure: measure) {
                case .usable(let data, let notes): included.append((report, data, (report.note.map { [$0] } ?? []) + notes))
                case .unusable(let reason): exclude(report, reason)
                }
            }
            included = onOneScale(included, measure: measure)
        }
        return finish(included, measure: measure, sensitivity: sensitivity)
    }

    /// Reports that share a ClinicalTrials.gov id are one study: the most certain, largest,
    /// latest stands for it.
    private mutating func oneReportPerStudy() -> [Report] {
        var standing: [String: Report] = [:]
        var result: [Report] = []
        for report in reports {
            guard let nct = report.record.identifiers.nct else { result.append(report); continue }
            guard let other = standing[nct] else { standing[nct] = report; continue }
            let (keep, drop) = Self.ranks(report, above: other) ? (report, other) : (other, report)
            standing[nct] = keep
            exclude(drop, "another report of \(nct) (\(keep.label)) stands for this study")
        }
        return (result + standing.values).sorted { ($0.record.year, $0.label, $0.key) < ($1.record.year, $1.label, $1.key) }
    }

    private static func ranks(_ a: Report, above b: Report) -> Bool {
        (a.record.certainty, a.record.participants ?? -1, a.record.year, a.key)
            > (b.record.certainty, b.record.participants ?? -1, b.record.year, b.key)
    }

    /// The measure the reports' own numbers suggest most often (ties: RR, OR, RD, MD, SMD,
    /// HR); MD becomes SMD when the reports use more than one instrument.
    static func measure(for outcomes: [Outcome]) -> EffectType? {
        var counts: [EffectType: Int] = [:]
        for outcome in outcomes { if let measure = EvidenceSynthesis.naturalMeasure(outcome) { counts[measure, default: 0] += 1 } }
        let order: [EffectType] = [.rr, .or, .rd, .md, .smd, .hr]
        guard let best = order.filter({ counts[$0] != nil }).max(by: { counts[$0]! < counts[$1]! }) else { return nil }
        if best == .md, Set(outcomes.filter { EvidenceSynthesis.naturalMeasure($0) == .md }.map(\.scale)).count > 1 { return .smd }
        return best
    }

    /// MD needs one instrument and one direction of benefit; SMD may mix instruments, with
    /// the sign turned where benefit runs the other way, but not change scores with final values.
    private mutating func onOneScale(_ studies: [(report: Report, data: StudyData, notes: [String])], measure: EffectType)
        -> [(report: Report, data: StudyData, notes: [String])] {
        guard measure == .md || measure == .smd, let first = studies.first else { return studies }
        let commonScale = Self.mostCommon(studies.map(\.report.outcome.scale)) ?? first.report.outcome.scale
        let commonBenefit = Self.mostCommon(studies.compactMap(\.report.outcome.benefit))
        let commonBaseline = Self.mostCommon(studies.map(\.report.outcome.changeFromBaseline)) ?? false
        var kept: [(report: Report, data: StudyData, notes: [String])] = []
        for var study in studies {
            let outcome = study.report.outcome
            if measure == .md {
                guard outcome.scale == commonScale else {
                    exclude(study.report, "measured on \(outcome.instrument ?? "an unnamed scale"), not \(commonScale.isEmpty ? "an unnamed scale" : commonScale): an MD needs one scale (try --measure SMD)")
                    continue
                }
                if let benefit = outcome.benefit, let commonBenefit, benefit != commonBenefit {
                    exclude(study.report, "on this scale \(benefit.rawValue) is better, unlike the others")
                    continue
                }
            } else {
                guard outcome.changeFromBaseline == commonBaseline else {
                    exclude(study.report, "an SMD cannot mix change from baseline with values at the timepoint")
                    continue
                }
                if let benefit = outcome.benefit, let commonBenefit, benefit != commonBenefit {
                    study.data = study.data.negated
                    study.notes.append("sign reversed: \(benefit.rawValue) is better on \(outcome.instrument ?? "its scale")")
                }
            }
            kept.append(study)
        }
        return kept
    }

    static func mostCommon<Value: Hashable>(_ values: [Value]) -> Value? {
        var counts: [Value: Int] = [:]
        var order: [Value] = []
        for value in values {
            if counts[value] == nil { order.append(value) }
            counts[value, default: 0] += 1
        }
        return order.max { counts[$0]! < counts[$1]! }
    }

    mutating func exclude(_ report: Report, _ reason: String) {
        excluded.append(ExcludedStudy(key: report.key, label: report.label, reason: reason))
    }
}

extension Outcome {
    /// The instrument, folded, so that "NRS 0–10" and "nrs 0-10" are one scale.
    var scale: String { instrument?.folded ?? "" }
}

extension StudyData {
    /// The same study with its effect's sign turned (for SMD across scales whose benefit runs the other way).
    var negated: StudyData {
        switch self {
        case let .continuous(m1, sd1, n1, m2, sd2, n2):
            .continuous(meanTreatment: -m1, sdTreatment: sd1, nTreatment: n1, meanControl: -m2, sdControl: sd2, nControl: n2)
        case let .estimate(yi, se): .estimate(yi: -yi, se: se)
        case .binary: self
        }
    }
}
