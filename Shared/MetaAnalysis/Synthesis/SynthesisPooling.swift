import EvidenceModel

/// The last step of a synthesis: pool what was selected, with its sensitivity analyses, or
/// say plainly why nothing was pooled.
extension StudySelection {
    mutating func finish(_ selected: [(report: Report, data: StudyData, notes: [String])], measure: EffectType?,
                         sensitivity: Bool) -> Synthesis {
        let options = PoolingOptions(method: question.method, hartungKnapp: question.hartungKnapp)
        var chosen = selected
        var labels = Self.uniqueLabels(chosen.map(\.report.label))
        var pooled: PooledResult?
        var notPooled: String?
        if let measure {
            // A study the models refuse (e.g. a zero-total arm) is left out with the models'
            // reason, and the rest are pooled again: at most once per study.
            for _ in 0...chosen.count {
                let studies = zip(labels, chosen).map { Study(label: $0, data: $1.data) }
                do {
                    pooled = try MetaAnalysis.pool(studies, measure: measure, options: options)
                } catch .unusable(let label, let reason) {
                    if let index = labels.firstIndex(of: label) {
                        exclude(chosen.remove(at: index).report, reason)
                        labels.remove(at: index)
                        continue
                    }
                    notPooled = reason
                } catch .tooFewStudies(let k) {
                    notPooled = Self.tooFew(k, labels: labels, question: question, measure: measure)
                } catch {
                    notPooled = error.description
                }
                break
            }
        } else {
            notPooled = Self.tooFew(0, labels: [], question: question, measure: nil)
        }
        let included = zip(labels, chosen).map { label, study in
            IncludedStudy(report: study.report, label: label, effect: Self.effectSize(study.data, measure: measure), notes: study.notes)
        }
        var leaveOneOut: [LeaveOneOut] = []
        var subgroups: SubgroupAnalysis?
        if sensitivity, pooled != nil, let measure {
            let studies = zip(labels, chosen).map { Study(label: $0, data: $1.data) }
            leaveOneOut = (try? MetaAnalysis.leaveOneOut(studies, measure: measure, options: options)) ?? []
            let designs = Array(Set(chosen.map(\.report.record.design))).sorted()
            if designs.count > 1 {
                let groups = designs.map { design in
                    (name: design.rawValue, studies: zip(labels, chosen).filter { $1.report.record.design == design }
                        .map { Study(label: $0, data: $1.data) })
                }
                subgroups = MetaAnalysis.subgroups(groups, measure: measure, options: options)
            }
        }
        return Synthesis(question: question, measure: pooled == nil && included.isEmpty ? nil : measure, included: included,
                         excluded: excluded, pooled: pooled, notPooled: notPooled, leaveOneOut: leaveOneOut,
                         subgroups: subgroups, published: published,
                         // SMD turned the other scales' signs to the most common benefit.
                         benefit: Self.mostCommon(chosen.compactMap(\.report.outcome.benefit)))
    }

    /// "Only 1 study … has poolable data": what there is, and what it would take.
    static func tooFew(_ k: Int, labels: [String], question: SynthesisQuestion, measure: EffectType?) -> String {
        let what = "\(question.outcome) in \(ConditionVocabulary.displayName(code: question.condition))"
        let on = measure.map { " as \($0.rawValue)" } ?? ""
        switch k {
        case 0: return "no study has poolable data on \(what)\(on): a pooled estimate needs arm-level data or a "
            + "between-group effect with its CI from at least 2 studies"
        default: return "only \(k) study (\(labels.joined(separator: ", "))) has poolable data on \(what)\(on): "
            + "a pooled estimate needs at least 2; no estimate is given"
        }
    }

    /// Effect sizes for the table; a study the models took always has one.
    static func effectSize(_ data: StudyData, measure: EffectType?) -> EffectSize {
        guard let measure, let size = try? MetaAnalysis.effectSize(data, measure: measure) else {
            return EffectSize(yi: .nan, vi: .nan)
        }
        return size
    }

    /// Labels as forest plots need them: "Younger 2013a", "Younger 2013b" when two coincide.
    static func uniqueLabels(_ labels: [String]) -> [String] {
        var counts: [String: Int] = [:]
        for label in labels { counts[label, default: 0] += 1 }
        var seen: [String: Int] = [:]
        return labels.map { label in
            guard counts[label]! > 1 else { return label }
            seen[label, default: 0] += 1
            let index = seen[label]! - 1
            return label + (index < 26 ? String(UnicodeScalar(UInt8(97 + index))) : "-\(index + 1)")
        }
    }
}

extension IncludedStudy {
    init(report: StudySelection.Report, label: String, effect: EffectSize, notes: [String]) {
        let record = report.record, outcome = report.outcome
        self.init(key: report.key, label: label, title: record.title, year: record.year, design: record.design,
                  instrument: outcome.instrument, timepointWeeks: outcome.timepointWeeks,
                  nTreatment: outcome.arms?.treatment.n ?? outcome.nTreatment, nControl: outcome.arms?.control.n ?? outcome.nControl,
                  effect: effect, notes: notes)
    }
}
