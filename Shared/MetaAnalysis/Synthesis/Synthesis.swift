import EvidenceModel

/// The answer to a `SynthesisQuestion`: the studies pooled and left out (each with its
/// reason), the pooled result when there is one, its sensitivity analyses, and the pooled
/// values published meta-analyses report for the same condition and outcome.
public struct Synthesis: Sendable, Hashable, Codable {
    public var question: SynthesisQuestion
    /// The measure pooled on; nil when nothing could be pooled.
    public var measure: EffectType?
    public var included: [IncludedStudy]
    public var excluded: [ExcludedStudy]
    public var pooled: PooledResult?
    /// Why there is no pooled result, in words a reviewer can act on.
    public var notPooled: String?
    public var leaveOneOut: [LeaveOneOut]
    /// By design, when the included studies have more than one.
    public var subgroups: SubgroupAnalysis?
    public var published: [PublishedPool]
    /// Which way along the pooled scale is better for the patient (the included reports'
    /// common `benefit`, after any sign reversal), so that a plot can say which side favours
    /// LDN; nil when no included report says.
    public var benefit: Benefit?

    public init(question: SynthesisQuestion, measure: EffectType?, included: [IncludedStudy], excluded: [ExcludedStudy],
                pooled: PooledResult?, notPooled: String?, leaveOneOut: [LeaveOneOut], subgroups: SubgroupAnalysis?,
                published: [PublishedPool], benefit: Benefit? = nil) {
        self.question = question
        self.measure = measure
        self.included = included
        self.excluded = excluded
        self.pooled = pooled
        self.notPooled = notPooled
        self.leaveOneOut = leaveOneOut
        self.subgroups = subgroups
        self.published = published
        self.benefit = benefit
    }

    /// What a synthesis watch compares: the pooled estimate, its CI, k and I².
    public var headline: SynthesisHeadline {
        SynthesisHeadline(k: included.count, measure: measure, estimate: pooled?.estimate, ciLow: pooled?.ciLow,
                          ciHigh: pooled?.ciHigh, i2: pooled?.i2)
    }
}

/// A study that was pooled, as the table and the forest plot show it.
public struct IncludedStudy: Sendable, Hashable, Codable {
    public var key: String
    /// "Bruun 2024": first author's family name and year.
    public var label: String
    public var title: String
    public var year: Int
    public var design: StudyDesign
    public var instrument: String?
    public var timepointWeeks: Double?
    public var nTreatment: Int?
    public var nControl: Int?
    /// The effect size and variance on the analysis scale (metafor's yi, vi).
    public var effect: EffectSize
    /// How the numbers were used, when not as given (e.g. "SD from the 95% CI of the mean (t, 48 df)").
    public var notes: [String]

    public init(key: String, label: String, title: String, year: Int, design: StudyDesign, instrument: String?,
                timepointWeeks: Double?, nTreatment: Int?, nControl: Int?, effect: EffectSize, notes: [String]) {
        self.key = key
        self.label = label
        self.title = title
        self.year = year
        self.design = design
        self.instrument = instrument
        self.timepointWeeks = timepointWeeks
        self.nTreatment = nTreatment
        self.nControl = nControl
        self.effect = effect
        self.notes = notes
    }
}

/// A study with a report of the outcome that could not be pooled, and why.
public struct ExcludedStudy: Sendable, Hashable, Codable {
    public var key: String
    public var label: String
    public var reason: String

    public init(key: String, label: String, reason: String) {
        self.key = key
        self.label = label
        self.reason = reason
    }
}

/// A pooled value as a published meta-analysis reports it (from its record's outcome effect).
public struct PublishedPool: Sendable, Hashable, Codable {
    public var key: String
    public var label: String
    public var title: String
    public var design: StudyDesign
    public var participants: Int?
    /// The pooled effect on the natural scale, as reported.
    public var measure: EffectType
    public var value: Double
    public var ciLow: Double?
    public var ciHigh: Double?
    public var p: Double?

    public init(key: String, label: String, title: String, design: StudyDesign, participants: Int?, effect: Effect) {
        self.key = key
        self.label = label
        self.title = title
        self.design = design
        self.participants = participants
        self.measure = effect.type
        self.value = effect.value
        self.ciLow = effect.ciLow
        self.ciHigh = effect.ciHigh
        self.p = effect.p
    }
}

/// The figures a synthesis watch follows. Two headlines are the same when k and the
/// measure match and every figure agrees to 6 significant digits.
public struct SynthesisHeadline: Sendable, Hashable, Codable {
    public var k: Int
    public var measure: EffectType?
    public var estimate: Double?
    public var ciLow: Double?
    public var ciHigh: Double?
    public var i2: Double?

    public init(k: Int, measure: EffectType?, estimate: Double?, ciLow: Double?, ciHigh: Double?, i2: Double?) {
        self.k = k
        self.measure = measure
        self.estimate = estimate
        self.ciLow = ciLow
        self.ciHigh = ciHigh
        self.i2 = i2
    }

    /// Whether `self` differs from `earlier` in anything a reader would see.
    public func moved(from earlier: SynthesisHeadline) -> Bool {
        func same(_ a: Double?, _ b: Double?) -> Bool {
            switch (a, b) {
            case (nil, nil): true
            case let (a?, b?): abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1e-12)
            default: false
            }
        }
        return k != earlier.k || measure != earlier.measure || !same(estimate, earlier.estimate)
            || !same(ciLow, earlier.ciLow) || !same(ciHigh, earlier.ciHigh) || !same(i2, earlier.i2)
    }
}
