import EvidenceModel
import MetaAnalysis

/// Effect sizes per study outcome in the layout of metafor's `escalc` (docs/FORMATS.md,
/// "Effect sizes for R"): one CSV row per outcome that carries effect data, with the effect
/// size `yi` and its sampling variance `vi` on the analysis scale (log for RR, OR and HR),
/// and the arm numbers they came from under metafor's names, so that
/// `dat <- read.csv("escalc.csv"); rma(yi, vi, data = dat)` runs as it is, and
/// `escalc("RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat)` recomputes them.
/// An outcome whose numbers cannot give the measure keeps its row, with `yi` and `vi`
/// empty and the reason in `note`.
public enum EscalcTable {
    public static let columns = ["key", "study", "conditions", "outcome", "instrument", "timepoint_weeks", "design", "measure",
                                 "yi", "vi", "ai", "n1i", "ci", "n2i", "m1i", "sd1i", "m2i", "sd2i", "note"]

    /// A stored record and its key: the synthesis' own pair, so that both read records alike.
    public typealias Entry = EvidenceSynthesis.Candidate

    /// The header and a row per outcome with effect data, CRLF line ends (RFC 4180).
    /// - Parameter measure: the measure for every outcome; nil takes each outcome's own
    ///   (`EvidenceSynthesis.naturalMeasure`).
    public static func table(_ entries: [Entry], measure: EffectType? = nil) -> String {
        var lines = [columns.joined(separator: ",")]
        for entry in entries {
            for row in rows(entry, measure: measure) {
                lines.append(row.map(CSVRecords.quoted).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// One row of `columns` per outcome of `entry` with effect data, in the record's order.
    public static func rows(_ entry: Entry, measure: EffectType? = nil) -> [[String]] {
        var rows: [[String]] = []
        for outcome in entry.record.outcomes where outcome.hasEffectData {
            if let row = row(outcome, of: entry, measure: measure ?? EvidenceSynthesis.naturalMeasure(outcome)) {
                rows.append(row)
            }
        }
        return rows
    }

    static func row(_ outcome: Outcome, of entry: Entry, measure: EffectType?) -> [String]? {
        guard let measure else { return nil }
        let record = entry.record
        var cells: [String: String] = [
            "key": entry.key, "study": EvidenceSynthesis.label(record),
            "conditions": record.conditions.joined(separator: "; "), "outcome": outcome.measure,
            "instrument": outcome.instrument ?? "", "timepoint_weeks": outcome.timepointWeeks.map(number) ?? "",
            "design": record.design.rawValue, "measure": measure.rawValue,
        ]
        switch EvidenceSynthesis.studyData(outcome, design: record.design, measure: measure) {
        case .unusable(let reason):
            cells["note"] = reason
        case .usable(let data, let notes):
            cells.merge(raw(data)) { _, new in new }
            do {
                let size = try MetaAnalysis.effectSize(data, measure: measure)
                cells["yi"] = number(size.yi)
                cells["vi"] = number(size.vi)
                cells["note"] = notes.joined(separator: "; ")
            } catch {
                cells["note"] = (notes + [error.description]).joined(separator: "; ")
            }
        }
        return columns.map { cells[$0] ?? "" }
    }

    /// The numbers metafor takes for each kind of data (none for an effect given as estimate and SE).
    static func raw(_ data: StudyData) -> [String: String] {
        switch data {
        case .binary(let eventsTreatment, let totalTreatment, let eventsControl, let totalControl):
            ["ai": String(eventsTreatment), "n1i": String(totalTreatment), "ci": String(eventsControl), "n2i": String(totalControl)]
        case .continuous(let meanTreatment, let sdTreatment, let nTreatment, let meanControl, let sdControl, let nControl):
            ["m1i": number(meanTreatment), "sd1i": number(sdTreatment), "n1i": String(nTreatment),
             "m2i": number(meanControl), "sd2i": number(sdControl), "n2i": String(nControl)]
        case .estimate: [:]
        }
    }

    /// As R reads it back exactly: the shortest text that round-trips; whole numbers without ".0".
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
}
