import EvidenceModel
import SyntheticData

/// Synthetic records written as a PubMed MEDLINE (.nbib) export, to time imports. Each
/// is labelled SYNTHETIC in its title and abstract; PMIDs are numbered from 990 000 001,
/// far above any PubMed has issued, and DOIs are under the 10.5555 test prefix.
enum SyntheticMedline {
    static let firstPMID = 990_000_001

    static func text(_ range: Range<Int>) -> String {
        range.map(record).joined(separator: "\n")
    }

    static func record(_ n: Int) -> String {
        let record = SyntheticRecords.record(n)
        var lines = ["PMID- \(firstPMID + n)", "OWN - NLM", "STAT- Publisher", "DP  - \(record.year) Jan"]
        lines += wrapped("TI  - ", record.title)
        lines += ["LID - \(record.identifiers.doi!) [doi]"]
        lines += wrapped("AB  - ", String(repeating: (record.summary ?? "") + " ", count: 4))
        lines += record.authors.map { "AU  - \($0)" }
        lines += ["LA  - eng", "PT  - Journal Article", "PT  - \(publicationType(record.design))", "TA  - Synth J Gen Evid",
                  "JT  - \(record.journal!)"]
        lines += record.conditions.map { "MH  - *\(ConditionVocabulary.displayName(code: $0))/drug therapy" }
        lines += ["MH  - Naltrexone/administration & dosage", "MH  - Humans"]
        return lines.joined(separator: "\n") + "\n"
    }

    static func publicationType(_ design: StudyDesign) -> String {
        switch design {
        case .rct, .crossoverRCT: "Randomized Controlled Trial"
        case .systematicReview: "Systematic Review"
        case .metaAnalysis: "Meta-Analysis"
        case .caseReport, .caseSeries: "Case Reports"
        case .cohort, .caseControl: "Observational Study"
        default: "Clinical Trial"
        }
    }

    /// A field over several lines as PubMed writes it: continuation lines indented by six spaces.
    static func wrapped(_ tag: String, _ text: String, width: Int = 82) -> [String] {
        var lines: [String] = []
        var line = tag
        for word in text.split(separator: " ") {
            if line.count + word.count + 1 > width && line.count > 6 {
                lines.append(line)
                line = "      "
            }
            line += (line.hasSuffix(" ") ? "" : " ") + word
        }
        lines.append(line)
        return lines
    }
}
