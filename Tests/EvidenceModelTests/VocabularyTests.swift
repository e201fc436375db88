import Testing
@testable import EvidenceModel

@Suite("Condition vocabulary, dedup key and certainty rule")
struct VocabularyTests {
    @Test("Names, synonyms, MeSH headings and abbreviations map to one code", arguments: [
        ("Crohn's disease", "crohns"), ("Crohn disease", "crohns"), ("regional enteritis", "crohns"),
        ("CROHN’S DISEASE", "crohns"), ("crohns", "crohns"),
        ("Colitis, Ulcerative", "ulcerative-colitis"), ("UC", "ulcerative-colitis"),
        ("Inflammatory Bowel Diseases", "ibd"),
        ("MS", "ms"), ("primary progressive multiple sclerosis", "ms"), ("Multiple Sclerosis, Relapsing-Remitting", "ms"),
        ("fibromyalgia syndrome", "fibromyalgia"),
        ("Complex Regional Pain Syndromes", "crps"), ("chronic regional pain syndrome", "crps"), ("RSD", "crps"),
        ("chronic pain", "chronic-pain"), ("non-cancer centralized pain conditions", "chronic-pain"),
        ("painful diabetic neuropathy", "diabetic-neuropathy"),
        ("Long COVID", "long-covid"), ("post-COVID-19 condition", "long-covid"), ("PASC", "long-covid"),
        ("ME/CFS", "me-cfs"),
    ])
    func mapsConditions(text: String, code: String) {
        #expect(ConditionVocabulary.code(for: text) == code)
    }

    @Test("Unknown conditions are kept as other:<text>, and stay so when normalised again")
    func otherFallback() {
        #expect(ConditionVocabulary.code(for: "Hailey-Hailey disease") == "other:hailey-hailey disease")
        #expect(ConditionVocabulary.code(for: "other:hailey-hailey disease") == "other:hailey-hailey disease")
        #expect(ConditionVocabulary.displayName(code: "other:hailey-hailey disease") == "hailey-hailey disease")
    }

    @Test("Misspelt conditions get did-you-mean suggestions")
    func suggestions() {
        #expect(ConditionVocabulary.suggestions(for: "fibromialgia") == ["fibromyalgia"])
        #expect(ConditionVocabulary.suggestions(for: "crohn's diseas").first == "crohns")
        #expect(ConditionVocabulary.suggestions(for: "zzzzzzzz").isEmpty)
    }

    @Test("Contained phrases match whole words only: crohnz and xcrohnx name no condition", arguments: [
        "crohnz", "xcrohnx", "amsterdam", "fibromyalgiax", "diabetic neuropathic pain clinic staff",
    ])
    func wholeWords(text: String) {
        #expect(ConditionVocabulary.concept(for: text) == nil)
    }

    @Test("A near miss of a known condition is recognised; abbreviations of other conditions are not", arguments: [
        ("fibromyalga", "fibromyalgia" as String?), ("crohnz", "crohns"), ("multiple sclerose", "ms"), ("ulcerative colitus", "ulcerative-colitis"),
        ("IBS", nil), ("ALS", nil), ("POTS", nil), ("rheumatoid arthritis", nil), ("psoriasis", nil),
    ])
    func nearMiss(text: String, code: String?) {
        #expect(ConditionVocabulary.nearMiss(for: text)?.code == code)
    }

    @Test("A record naming a misspelt known condition is rejected with the suggestion; other:<text> keeps it as written")
    func misspeltConditionInRecord() throws {
        let rejected = RecordIntake.evaluate(sampleJSON(["conditions": ["fibromyalga"]]))
        #expect(rejected.record == nil)
        #expect(rejected.errors.map(\.field) == ["conditions[0]"])
        #expect(rejected.errors.first?.message.contains("did you mean \"fibromyalgia\"") == true)
        let kept = try #require(RecordIntake.evaluate(sampleJSON(["conditions": ["other:fibromyalga"]])).record)
        #expect(kept.conditions == ["other:fibromyalga"])
        let unknown = RecordIntake.evaluate(sampleJSON(["conditions": ["IBS"]]))
        #expect(unknown.record?.conditions == ["other:ibs"])
        #expect(unknown.warnings.map(\.field) == ["conditions[0]"])
    }

    @Test("Dedup key prefers DOI, then PMID, then NCT id, then title, year and first author")
    func dedupKey() {
        var record = EvidenceRecord(title: "Low-Dose Naltrexone for Fibromyalgia: A Pilot!", year: 2009,
                                    conditions: ["fibromyalgia"], design: .crossoverRCT, authors: ["Younger J", "Mackey S"],
                                    identifiers: Identifiers(doi: "10.1111/j.1526-4637.2009.00613.x", pmid: "19453963", nct: "NCT00568555"))
        #expect(record.dedupKey == "doi:10.1111/j.1526-4637.2009.00613.x")
        record.identifiers.doi = nil
        #expect(record.dedupKey == "pmid:19453963")
        record.identifiers.pmid = nil
        #expect(record.dedupKey == "nct:NCT00568555")
        record.identifiers.nct = nil
        #expect(record.dedupKey == "title:low dose naltrexone for fibromyalgia a pilot|2009|younger")
        record.authors = ["Younger, Jarred"]
        #expect(record.dedupKey == "title:low dose naltrexone for fibromyalgia a pilot|2009|younger")
    }

    @Test("Certainty when not given: GRADE's start for the design, one lower under 100 participants or unknown", arguments: [
        (StudyDesign.rct, 99 as Int?, Certainty.moderate), (.rct, 100, .high), (.metaAnalysis, nil, .moderate),
        (.cohort, 341, .low), (.openLabel, 17, .veryLow), (.caseReport, 2, .veryLow), (.crossoverRCT, 31, .moderate),
    ])
    func derivedCertainty(design: StudyDesign, participants: Int?, expected: Certainty) {
        #expect(Certainty.derived(design: design, participants: participants) == expected)
    }
}

@Suite("Whole-word phrase matching in folded text")
struct ContainsWordsTests {
    @Test("Whole words only, anywhere in the text", arguments: [
        ("low dose naltrexone for crohn disease", "crohn disease", true),
        ("crohn disease in adults", "crohn disease", true),
        ("in crohn disease", "crohn disease", true),
        ("crohn disease", "crohn disease", true),
        ("crohn diseases", "crohn disease", false),
        ("acrohn disease", "crohn disease", false),
        ("crohn crohn disease", "crohn disease", true),
        ("ms", "ms", true), ("mss ms", "ms", true), ("mss", "ms", false),
        ("short", "a longer phrase than the text", false),
        ("anything", "", false),
        ("sjogren syndrome", "sjogren", true),
        ("behçet disease", "behçet", true), ("behçets disease", "behçet", false),
    ])
    func matches(text: String, phrase: String, expected: Bool) {
        #expect(text.containsWords(phrase) == expected)
    }

    @Test("Titles mention conditions by their contained phrases")
    func titlesMentionConditions() {
        let codes = ConditionVocabulary.concepts(mentionedIn: "Low-dose naltrexone in Crohn's disease and fibromyalgia").map(\.code)
        #expect(codes.contains("crohns"))
        #expect(codes.contains("fibromyalgia"))
        #expect(ConditionVocabulary.concepts(mentionedIn: "Naltrexone in healthy volunteers").isEmpty)
    }
}
