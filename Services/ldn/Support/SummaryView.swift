import EvidenceModel
import Foundation
import WireProtocol

/// `ldn summary` as text: the counts first, then the strongest studies.
struct SummaryView {
    let summary: SummaryReply

    func render() -> String {
        var lines = ["\(summary.name): low-dose naltrexone evidence"]
        guard summary.studies > 0 else {
            lines.append("No studies on \(summary.name) are stored yet.")
            return lines.joined(separator: "\n")
        }
        var headline = "\(summary.studies) stud\(summary.studies == 1 ? "y" : "ies"), \(summary.participants) participants"
        if let low = summary.doseMinMg, let high = summary.doseMaxMg {
            headline += low == high ? " · dose \(low.formatted) mg/day" : " · doses \(low.formatted)–\(high.formatted) mg/day"
        }
        lines.append(headline)
        if let latest = summary.latest { lines.append("Latest addition: \(cut(latest.title, 58)) (\(latest.year))") }

        var designs = Table("BY DESIGN", "STUDIES", "PARTICIPANTS")
        for row in summary.byDesign {
            designs.add(row.design.displayName, String(row.studies), String(row.participants))
        }
        lines += ["", designs.render()]
        lines += ["", "By certainty: " + summary.byCertainty.map { "\($0.certainty.rawValue) \($0.studies)" }.joined(separator: " · ")]

        if !summary.outcomes.isEmpty {
            var outcomes = Table("OUTCOME", "IMPROVED", "NO DIFFERENCE", "WORSENED", "MIXED")
            for row in summary.outcomes {
                outcomes.add(row.measure, String(row.improved), String(row.noDifference), String(row.worsened), String(row.mixed))
            }
            lines += ["", outcomes.render()]
        }

        lines += ["", "Strongest evidence first:"]
        for study in summary.strongest {
            let size = study.participants.map { " n=\($0)" } ?? ""
            let id = study.pmid.map { "PMID \($0)" } ?? study.doi.map { "doi:\($0)" } ?? "record \(study.id)"
            lines.append("  [\(study.certainty.rawValue)] \(study.year) \(study.design.rawValue)\(size) · \(id)")
            lines.append("    \(cut(study.title, 74))")
        }
        return lines.joined(separator: "\n")
    }

    func cut(_ text: String, _ width: Int) -> String {
        text.count > width ? String(text.prefix(width - 1)) + "…" : text
    }
}
