/// Canonical outcome measures, so that "pain intensity" and "pain score" are filtered and
/// counted together. Unknown measures are kept as written, lower-cased, with a warning.
public enum OutcomeVocabulary {
    public static let measures: [(code: String, synonyms: [String])] = [
        ("pain", ["pain", "pain intensity", "pain score", "pain severity", "daily pain", "pain relief"]),
        // Tenderness measured by algometer: not pain itself, and higher is better.
        ("pressure-pain-threshold", ["pressure pain threshold", "PPT", "pain pressure threshold"]),
        ("disease-activity", ["disease activity", "CDAI", "Crohn's disease activity index", "PCDAI",
                              "disease activity index", "clinical response"]),
        ("remission", ["remission", "clinical remission"]),
        ("endoscopic-healing", ["endoscopic healing", "endoscopic response", "mucosal healing",
                                "endoscopic severity", "endoscopic improvement"]),
        ("fatigue", ["fatigue", "energy"]),
        ("quality-of-life", ["quality of life", "QoL", "HRQoL", "health-related quality of life"]),
        ("mental-health", ["mental health", "mental health quality of life", "psychological wellbeing"]),
        ("mood", ["mood", "depression", "anxiety"]),
        ("spasticity", ["spasticity"]),
        ("sleep", ["sleep", "sleep quality"]),
        ("cognition", ["cognition", "concentration", "memory", "cognitive function"]),
        ("function", ["function", "physical function", "daily activities", "disability"]),
        ("inflammation", ["inflammation", "inflammatory markers", "cytokines", "pro-inflammatory cytokines", "CRP"]),
        ("symptoms", ["symptoms", "symptom severity", "overall symptoms"]),
        ("safety", ["safety", "tolerability", "safety and tolerability", "adverse events"]),
        ("medication-use", ["medication use", "drug use", "dispensing"]),
    ]

    private static let index: [String: String] = {
        var index: [String: String] = [:]
        for (code, synonyms) in measures {
            index[code.folded] = code
            for synonym in synonyms { index[synonym.folded] = code }
        }
        return index
    }()

    public static var codes: [String] { measures.map(\.code) }

    /// The canonical code, or nil when the text names no known measure.
    public static func code(for text: String) -> String? {
        index[text.folded]
    }
}
