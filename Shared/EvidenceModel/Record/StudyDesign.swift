/// How a study was done; decides where its certainty starts (GRADE).
public enum StudyDesign: String, CaseIterable, Sendable, Codable, Comparable {
    case systematicReview = "systematic-review"
    case metaAnalysis = "meta-analysis"
    case rct
    case crossoverRCT = "crossover-rct"
    case openLabel = "open-label"
    case cohort
    case caseControl = "case-control"
    case caseSeries = "case-series"
    case caseReport = "case-report"
    case preclinical
    case other

    public var displayName: String {
        switch self {
        case .systematicReview: "Systematic review"
        case .metaAnalysis: "Meta-analysis"
        case .rct: "Randomised controlled trial"
        case .crossoverRCT: "Randomised crossover trial"
        case .openLabel: "Open-label trial"
        case .cohort: "Cohort study"
        case .caseControl: "Case-control study"
        case .caseSeries: "Case series"
        case .caseReport: "Case report"
        case .preclinical: "Preclinical study"
        case .other: "Other"
        }
    }

    /// GRADE's starting point: randomised evidence (and reviews of it) starts high,
    /// observational studies low, uncontrolled reports and everything else very low.
    public var startingCertainty: Certainty {
        switch self {
        case .systematicReview, .metaAnalysis, .rct, .crossoverRCT: .high
        case .openLabel, .cohort, .caseControl: .low
        case .caseSeries, .caseReport, .preclinical, .other: .veryLow
        }
    }

    public static func < (lhs: StudyDesign, rhs: StudyDesign) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// GRADE certainty of evidence.
public enum Certainty: String, CaseIterable, Sendable, Codable, Comparable {
    case veryLow = "very-low"
    case low
    case moderate
    case high

    public var rank: Int { Certainty.allCases.firstIndex(of: self)! }

    public static func < (lhs: Certainty, rhs: Certainty) -> Bool { lhs.rank < rhs.rank }

    /// One GRADE level down, never below very low.
    public var downgraded: Certainty { Certainty.allCases[max(rank - 1, 0)] }

    /// Studies smaller than this are downgraded one level for imprecision when no
    /// certainty is given (GRADE's rule of thumb for the optimal information size).
    public static let imprecisionThreshold = 100

    /// The rule used when a record gives no certainty: the design's GRADE starting level,
    /// one level lower when the number of participants is unknown or below 100.
    public static func derived(design: StudyDesign, participants: Int?) -> Certainty {
        let start = design.startingCertainty
        guard let participants, participants >= imprecisionThreshold else { return start.downgraded }
        return start
    }
}

/// What the intervention was compared with.
public enum Comparator: String, CaseIterable, Sendable, Codable {
    case placebo
    case active
    case usualCare = "usual-care"
    case none
}
