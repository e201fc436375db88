import EvidenceModel
import Foundation
import WireProtocol

/// A record as a reader wants it: the citation first, then labelled lines, wrapped to 80 columns.
struct RecordView {
    let header: ChangeHeader?
    let record: EvidenceRecord

    func render(width: Int = 80) -> String {
        var lines = wrap(record.title, width: width, indent: "")
        var citation = record.authors.prefix(3).joined(separator: ", ")
        if record.authors.count > 3 { citation += ", et al" }
        let source = [record.journal, String(record.year)].compactMap { $0 }.joined(separator: " ")
        lines += wrap([citation, source].filter { !$0.isEmpty }.joined(separator: ". ") + ".", width: width, indent: "")
        lines.append("")
        func field(_ label: String, _ value: String?) {
            guard let value, !value.isEmpty else { return }
            lines += wrap(value, width: width, indent: label.padding(toLength: 13, withPad: " ", startingAt: 0))
        }
        if let header {
            field("record", "\(header.recordID) · version \(header.version) · \(header.status.rawValue) · seq \(header.seq)")
            field("key", header.key)
            if header.status == .retracted { field("retracted", header.reason) }
            for (index, gap) in (header.provenance?.unresolved ?? []).enumerated() {
                field(index == 0 ? "to review" : "", gap)
            }
        }
        field("identifiers", [record.identifiers.doi.map { "DOI \($0)" }, record.identifiers.pmid.map { "PMID \($0)" },
                              record.identifiers.nct.map { $0 }].compactMap { $0 }.joined(separator: " · "))
        field("conditions", record.conditions.map(ConditionVocabulary.displayName(code:)).joined(separator: ", "))
        field("design", [record.design.displayName, record.participants.map { "\($0) participants" },
                         record.comparator.map { "vs \($0.rawValue)" }].compactMap { $0 }.joined(separator: " · "))
        field("intervention", [record.doseMg.map { "\($0.formatted) mg/day" }, record.regimen,
                               record.durationWeeks.map { "\($0.formatted) weeks" }].compactMap { $0 }.joined(separator: " · "))
        field("certainty", record.certainty.rawValue)
        for (index, outcome) in record.outcomes.enumerated() {
            field(index == 0 ? "outcomes" : "", describe(outcome))
        }
        field("adverse", record.adverseEvents.joined(separator: ", "))
        field("summary", record.summary)
        if let provenance = header?.provenance {
            var origin = provenance.submittedBy.map { "submitted by \($0)" } ?? "submitted"
            if let file = provenance.sourceFile {
                origin += " from \(file)" + (provenance.line.map { " line \($0)" } ?? provenance.recordNumber.map { " record \($0)" } ?? "")
            }
            if let format = provenance.format { origin += " (\(format))" }
            if let harvest = provenance.harvest {
                origin += ", found by the harvester's search \(harvest.search) (\(harvest.source.rawValue) \(harvest.id))"
            }
            field("provenance", origin)
        }
        field("committed", header.map { $0.committedAt.formatted(Date.ISO8601FormatStyle()) })
        return lines.joined(separator: "\n")
    }

    func describe(_ outcome: Outcome) -> String {
        var text = outcome.measure + (outcome.instrument.map { " (\($0))" } ?? "") + ": " + outcome.direction.rawValue
        if let effect = outcome.effect {
            text += " — \(effect.type.rawValue) \(effect.value.formatted)"
            if let low = effect.ciLow, let high = effect.ciHigh { text += " [\(low.formatted), \(high.formatted)]" }
            if let p = effect.p { text += ", p=\(p.formatted)" }
        }
        return text
    }

    /// Words laid out in lines of at most `width`, the first after `indent`, the rest aligned under it.
    func wrap(_ text: String, width: Int, indent: String) -> [String] { TextWrap.lines(text, width: width, indent: indent) }
}

extension Double {
    /// "4.5", "12", "0.016".
    var formatted: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : description }
}
