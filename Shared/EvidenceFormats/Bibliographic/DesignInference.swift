import EvidenceModel

/// A study design read from what a bibliographic source says about a study, strongest
/// evidence first: a registry's design facts, then publication types (PubMed's vocabulary),
/// then words in the title. Each answer carries the reason, for the import report.
enum DesignInference {
    struct Finding: Equatable {
        let design: StudyDesign
        /// "publication type \"Randomized Controlled Trial\"", "the title (\"randomized\", \"crossover\")".
        let basis: String
    }

    static func design(of citation: Citation) -> Finding? {
        if let registry = citation.registry, let finding = fromRegistry(registry) { return finding }
        let text = LowercasedBytes((citation.title ?? "") + " " + (citation.abstract ?? ""))
        if let finding = fromPublicationTypes(citation.publicationTypes, text: text) { return finding }
        return fromTitle(citation.title ?? "")
    }

    /// ClinicalTrials.gov's `designModule`.
    static func fromRegistry(_ registry: RegistryDesign) -> Finding? {
        let basis = "the registry's design (" + [registry.studyType, registry.allocation, registry.interventionModel,
                                                 registry.observationalModel].compactMap { $0 }.joined(separator: ", ") + ")"
        switch registry.studyType?.uppercased() {
        case "INTERVENTIONAL":
            if registry.allocation?.uppercased() == "RANDOMIZED" {
                return Finding(design: registry.interventionModel?.uppercased() == "CROSSOVER" ? .crossoverRCT : .rct, basis: basis)
            }
            return Finding(design: .openLabel, basis: basis)
        case "OBSERVATIONAL":
            switch registry.observationalModel?.uppercased() {
            case "CASE_CONTROL": return Finding(design: .caseControl, basis: basis)
            case "CASE_ONLY": return Finding(design: .caseSeries, basis: basis)
            default: return Finding(design: .cohort, basis: basis)
            }
        default:
            return nil
        }
    }

    /// PubMed publication types, most specific first. "Journal Article" and RIS's "JOUR" say nothing.
    /// `text`: the title and abstract, for the words that refine a type.
    static func fromPublicationTypes(_ types: [String], text: LowercasedBytes) -> Finding? {
        func mentions(_ variants: String...) -> Bool { variants.contains { text.contains($0) } }
        let folded = Set(types.map(\.folded))
        func has(_ type: String) -> Bool { folded.contains(type.folded) }
        func because(_ type: String) -> String { "publication type \"\(type)\"" }
        if has("Meta-Analysis") { return Finding(design: .metaAnalysis, basis: because("Meta-Analysis")) }
        if has("Systematic Review") { return Finding(design: .systematicReview, basis: because("Systematic Review")) }
        if has("Scoping Review") { return Finding(design: .systematicReview, basis: because("Scoping Review")) }
        if has("Randomized Controlled Trial") {
            let crossover = mentions("crossover", "cross-over", "cross over")
            return Finding(design: crossover ? .crossoverRCT : .rct,
                           basis: because("Randomized Controlled Trial") + (crossover ? " and \"crossover\" in the title or abstract" : ""))
        }
        if has("Case Reports") {
            return Finding(design: .caseReport, basis: because("Case Reports"))
        }
        if let trial = types.first(where: { $0.folded.hasPrefix("clinical trial") || $0.folded == "controlled clinical trial" }) {
            if mentions("randomized", "randomised") {
                return Finding(design: .rct, basis: because(trial) + " and \"randomized\" in the title or abstract")
            }
            return Finding(design: .openLabel, basis: because(trial) + ", not randomised")
        }
        if has("Observational Study") {
            let caseControl = mentions("case-control", "case control")
            return Finding(design: caseControl ? .caseControl : .cohort, basis: because("Observational Study"))
        }
        for narrative in ["Review", "Letter", "Editorial", "Comment"] where has(narrative) {
            return Finding(design: .other, basis: because(narrative))
        }
        return nil
    }

    /// Words a title uses for its design, most specific first.
    static let titleHints: [(words: [String], design: StudyDesign)] = [
        (["meta analysis"], .metaAnalysis),
        (["systematic review"], .systematicReview),
        (["scoping review"], .systematicReview),
        (["randomized", "crossover"], .crossoverRCT),
        (["randomised", "crossover"], .crossoverRCT),
        (["randomized"], .rct),
        (["randomised"], .rct),
        (["placebo controlled"], .rct),
        (["open label"], .openLabel),
        (["case control"], .caseControl),
        (["case series"], .caseSeries),
        (["case report"], .caseReport),
        (["cohort"], .cohort),
        (["chart review"], .cohort),
    ]

    static func fromTitle(_ title: String) -> Finding? {
        let folded = title.folded
        for hint in titleHints where hint.words.allSatisfy({ folded.contains($0) }) {
            return Finding(design: hint.design,
                           basis: "the title (" + hint.words.map { "\"\($0)\"" }.joined(separator: ", ") + ")")
        }
        return nil
    }
}

/// Text as lower-cased UTF-8 bytes, to look for ASCII words in a long abstract quickly
/// (Foundation's `contains` and `lowercased()` are the slow part of a large import).
struct LowercasedBytes {
    let bytes: [UInt8]

    init(_ text: String) {
        bytes = text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    }

    /// Whether `word` (lower-case ASCII) occurs.
    func contains(_ word: String) -> Bool {
        let needle = Array(word.utf8)
        guard let first = needle.first, bytes.count >= needle.count else { return false }
        return bytes.withUnsafeBufferPointer { haystack in
            for start in 0...(haystack.count - needle.count) where haystack[start] == first {
                var matched = 1
                while matched < needle.count && haystack[start + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return true }
            }
            return false
        }
    }
}
