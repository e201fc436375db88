/// One piece of evidence about low-dose naltrexone: a study, trial, review or case report,
/// described after PICO (population, intervention, comparator, outcomes) and graded after GRADE.
///
/// Values of this type are always validated and normalised: make them with
/// `RecordIntake.evaluate(_:)`, which reports every problem with its field path.
public struct EvidenceRecord: Sendable, Hashable {
    public var title: String
    public var year: Int
    /// Condition codes from `ConditionVocabulary` (`crohns`, `ms`…), or `other:<text>`.
    public var conditions: [String]
    public var design: StudyDesign
    public var authors: [String]
    public var journal: String?
    public var identifiers: Identifiers
    public var url: String?
    /// Number of people studied (pooled, for reviews).
    public var participants: Int?
    /// Daily naltrexone dose in milligrams.
    public var doseMg: Double?
    /// How it was given, in words: "4.5 mg nightly", "0.1 mg/kg daily", "1 mg then 2 mg".
    public var regimen: String?
    public var durationWeeks: Double?
    public var comparator: Comparator?
    public var outcomes: [Outcome]
    public var adverseEvents: [String]
    /// Given, or derived by `Certainty.derived(design:participants:)`.
    public var certainty: Certainty
    public var summary: String?
    /// Where the facts were taken from, e.g. "abstract" or "full text, table 2".
    public var source: String?

    public init(title: String, year: Int, conditions: [String], design: StudyDesign, authors: [String] = [],
                journal: String? = nil, identifiers: Identifiers = Identifiers(), url: String? = nil,
                participants: Int? = nil, doseMg: Double? = nil, regimen: String? = nil,
                durationWeeks: Double? = nil, comparator: Comparator? = nil, outcomes: [Outcome] = [],
                adverseEvents: [String] = [], certainty: Certainty? = nil, summary: String? = nil,
                source: String? = nil) {
        self.title = title
        self.year = year
        self.conditions = conditions
        self.design = design
        self.authors = authors
        self.journal = journal
        self.identifiers = identifiers
        self.url = url
        self.participants = participants
        self.doseMg = doseMg
        self.regimen = regimen
        self.durationWeeks = durationWeeks
        self.comparator = comparator
        self.outcomes = outcomes
        self.adverseEvents = adverseEvents
        self.certainty = certainty ?? Certainty.derived(design: design, participants: participants)
        self.summary = summary
        self.source = source
    }
}
