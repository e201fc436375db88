/// A condition LDN is studied for, with the names it goes by in papers, registries and MeSH.
public struct ConditionConcept: Sendable, Hashable {
    /// Short, stable code used in records, topics and commands: `crohns`, `ms`.
    public let code: String
    public let name: String
    public let synonyms: [String]
    /// Folded phrases that identify the concept inside longer text, matched as whole words
    /// ("primary progressive multiple sclerosis" contains "multiple sclerosis"; "crohnz" and
    /// "xcrohnx" contain no phrase).
    let containedPhrases: [String]
}

/// Maps free-text condition names to canonical codes. Text that names no known concept
/// is kept as `other:<text>`, so nothing a reviewer wrote is lost.
public enum ConditionVocabulary {
    public static let otherPrefix = "other:"

    public static let concepts: [ConditionConcept] = [
        ConditionConcept(
            code: "crohns", name: "Crohn's disease",
            synonyms: ["Crohn's disease", "Crohn disease", "Crohns", "Crohn's", "regional enteritis",
                       "regional ileitis", "granulomatous enteritis", "Crohn's colitis", "Crohn colitis"],
            containedPhrases: ["crohn", "crohns", "regional enteritis"]),
        ConditionConcept(
            code: "ulcerative-colitis", name: "Ulcerative colitis",
            synonyms: ["ulcerative colitis", "UC", "colitis ulcerosa", "Colitis, Ulcerative"],
            containedPhrases: ["ulcerative colitis", "colitis ulcerative"]),
        ConditionConcept(
            code: "ibd", name: "Inflammatory bowel disease",
            synonyms: ["inflammatory bowel disease", "inflammatory bowel diseases", "IBD"],
            containedPhrases: ["inflammatory bowel"]),
        ConditionConcept(
            code: "ms", name: "Multiple sclerosis",
            synonyms: ["multiple sclerosis", "MS", "disseminated sclerosis", "RRMS", "PPMS", "SPMS",
                       "relapsing-remitting multiple sclerosis", "primary progressive multiple sclerosis",
                       "secondary progressive multiple sclerosis"],
            containedPhrases: ["multiple sclerosis"]),
        ConditionConcept(
            code: "fibromyalgia", name: "Fibromyalgia",
            synonyms: ["fibromyalgia", "fibromyalgia syndrome", "FMS", "fibrositis"],
            containedPhrases: ["fibromyalgia"]),
        ConditionConcept(
            code: "crps", name: "Complex regional pain syndrome",
            synonyms: ["complex regional pain syndrome", "complex regional pain syndromes", "CRPS",
                       "chronic regional pain syndrome", "reflex sympathetic dystrophy", "RSD", "causalgia"],
            containedPhrases: ["complex regional pain", "chronic regional pain", "reflex sympathetic dystrophy"]),
        ConditionConcept(
            code: "chronic-pain", name: "Chronic pain",
            synonyms: ["chronic pain", "chronic pain syndrome", "centralized pain", "centralised pain",
                       "nociplastic pain", "chronic non-cancer pain", "centralized pain conditions"],
            containedPhrases: ["chronic pain", "centralized pain", "centralised pain", "nociplastic pain"]),
        ConditionConcept(
            code: "diabetic-neuropathy", name: "Diabetic neuropathy",
            synonyms: ["diabetic neuropathy", "diabetic neuropathies", "diabetic peripheral neuropathy",
                       "painful diabetic neuropathy", "diabetic polyneuropathy", "DPN"],
            containedPhrases: ["diabetic neuropathy", "diabetic neuropathies", "diabetic polyneuropathy",
                               "diabetic polyneuropathies", "diabetic peripheral neuropathy",
                               "diabetic peripheral neuropathies"]),
        ConditionConcept(
            code: "long-covid", name: "Long COVID",
            synonyms: ["long COVID", "long COVID-19", "post-COVID-19 condition", "post-COVID condition",
                       "post-acute sequelae of SARS-CoV-2", "PASC", "post-acute COVID-19 syndrome",
                       "long-haul COVID"],
            containedPhrases: ["long covid", "post covid", "post acute sequelae of sars cov 2", "post acute covid"]),
        ConditionConcept(
            code: "me-cfs", name: "Myalgic encephalomyelitis / chronic fatigue syndrome",
            synonyms: ["myalgic encephalomyelitis", "chronic fatigue syndrome", "ME/CFS", "CFS",
                       "Fatigue Syndrome, Chronic"],
            containedPhrases: ["myalgic encephalomyelitis", "chronic fatigue syndrome", "fatigue syndrome chronic"]),
    ]

    private static let bySynonym: [String: ConditionConcept] = {
        var index: [String: ConditionConcept] = [:]
        for concept in concepts {
            index[concept.code.folded] = concept
            for synonym in concept.synonyms { index[synonym.folded] = concept }
        }
        return index
    }()

    /// The concept a text names, by code, synonym or contained phrase; nil when none.
    public static func concept(for text: String) -> ConditionConcept? {
        let key = text.folded
        if let concept = bySynonym[key] { return concept }
        return concepts.first { concept in concept.containedPhrases.contains { key.containsWords($0) } }
    }

    /// Every concept a free text (a title, an abstract) mentions by a contained phrase, in
    /// vocabulary order.
    public static func concepts(mentionedIn text: String) -> [ConditionConcept] {
        let key = text.folded
        return concepts.filter { concept in concept.containedPhrases.contains { key.containsWords($0) } }
    }

    /// The concept a name that is not in the vocabulary was probably meant to be:
    /// "fibromyalga", "crohnz", "multiple sclerose". Only names of six to 64 letters count,
    /// within an edit or so per six letters, so that real abbreviations of other conditions
    /// (IBS, ALS) are never taken for misspellings of known ones (IBD, MS).
    public static func nearMiss(for text: String) -> ConditionConcept? {
        let key = text.folded
        guard (6...64).contains(key.count), concept(for: text) == nil else { return nil }
        let allowed = max(1, key.count / 6)
        var best: (concept: ConditionConcept, distance: Int)?
        for concept in concepts {
            for name in [concept.code] + concept.synonyms {
                let distance = levenshtein(key, name.folded)
                if distance <= allowed, distance < best?.distance ?? .max { best = (concept, distance) }
            }
        }
        return best?.concept
    }

    public static func concept(code: String) -> ConditionConcept? {
        concepts.first { $0.code == code }
    }

    /// The canonical code for a condition as written: a concept's code, or `other:<text>`.
    public static func code(for text: String) -> String {
        let trimmed = text.trimmingWhitespace()
        if trimmed.utf8.count > otherPrefix.utf8.count, trimmed.prefix(otherPrefix.count).lowercased() == otherPrefix {
            let rest = String(trimmed.dropFirst(otherPrefix.count)).trimmingWhitespace()
            return concept(for: rest)?.code ?? otherPrefix + rest.lowercased()
        }
        return concept(for: trimmed)?.code ?? otherPrefix + trimmed.lowercased()
    }

    /// A human name for a code: the concept's name, or the text kept after `other:`.
    public static func displayName(code: String) -> String {
        if let concept = concept(code: code) { return concept.name }
        return code.hasPrefix(otherPrefix) ? String(code.dropFirst(otherPrefix.count)) : code
    }

    /// Codes and synonyms near a misspelt condition, for "did you mean" answers.
    public static func suggestions(for text: String) -> [String] {
        let names = concepts.flatMap { [$0.code] + $0.synonyms }
        var seen = Set<String>()
        return EvidenceModel.suggestions(for: text, among: names, limit: 10)
            .compactMap { concept(for: $0)?.code }
            .filter { seen.insert($0).inserted }
            .prefix(3).map { $0 }
    }
}
