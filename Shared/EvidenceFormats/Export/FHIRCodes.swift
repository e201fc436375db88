import EvidenceModel
import MetaAnalysis
import WireProtocol

/// The identifier systems and codes the FHIR export writes, each taken from the FHIR R5
/// value set bound to its element (hl7.org/fhir/R5) or from HL7 Terminology (THO). Kept in
/// one table so that a reviewer can check them against the specification line by line.
enum FHIRCodes {
    struct Coding: Equatable {
        let system: String
        let code: String
        let display: String

        var json: JSONValue {
            ["system": .string(system), "code": .string(code), "display": .string(display)]
        }

        /// A CodeableConcept holding just this coding.
        var concept: JSONValue { ["coding": [json]] }
    }

    // MARK: Identifier systems (Citation.citedArtifact.identifier)

    static let doiSystem = "https://doi.org"
    static let pubMedSystem = "https://pubmed.ncbi.nlm.nih.gov"
    /// THO's endorsed URI for ClinicalTrials.gov is `http://`, not `https://`: identifier
    /// systems are compared as strings, so the customary spelling is the one that matches.
    static let clinicalTrialsSystem = "http://clinicaltrials.gov"

    // MARK: Record status → publication-status (required binding on both resources)

    /// `retired` is R5's "withdrawn … should no longer be used", which is what a retraction
    /// means; `draft` is "not yet ready for normal use", which is what a record awaiting
    /// review is (it is kept out of queries until completed).
    static func publicationStatus(_ status: RecordStatus) -> String {
        switch status {
        case .active: "active"
        case .retracted: "retired"
        case .needsReview: "draft"
        }
    }

    // MARK: Evidence.variableDefinition.variableRole (ValueSet variable-role)

    static let variableRoleSystem = "http://terminology.hl7.org/CodeSystem/variable-role"
    static let population = Coding(system: variableRoleSystem, code: "population", display: "population")
    static let exposure = Coding(system: variableRoleSystem, code: "exposure", display: "exposure")
    static let referenceExposure = Coding(system: variableRoleSystem, code: "referenceExposure",
                                          display: "reference exposure")
    static let measuredVariable = Coding(system: variableRoleSystem, code: "measuredVariable",
                                         display: "measured variable")

    // MARK: Evidence.statistic.statisticType (ValueSet statistic-type)

    static let statisticTypeSystem = "http://terminology.hl7.org/CodeSystem/statistic-type"

    static func statisticType(_ type: EffectType) -> Coding {
        let (code, display): (String, String) = switch type {
        case .smd: ("0000100", "Standardized Mean Difference")
        case .md: ("0000457", "Mean Difference")
        case .rr: ("C93152", "Relative Risk")
        case .or: ("C16932", "Odds Ratio")
        case .hr: ("C93150", "Hazard Ratio")
        case .rd: ("0000424", "Risk Difference")
        case .proportion: ("C44256", "Proportion")
        }
        return Coding(system: statisticTypeSystem, code: code, display: display)
    }

    // MARK: Evidence.statistic.attributeEstimate.type (ValueSet attribute-estimate-type)

    static let attributeEstimateTypeSystem = "http://terminology.hl7.org/CodeSystem/attribute-estimate-type"
    static let confidenceInterval = Coding(system: attributeEstimateTypeSystem, code: "C53324",
                                           display: "Confidence interval")
    static let pValue = Coding(system: attributeEstimateTypeSystem, code: "C44185", display: "P-value")
    /// The code system's one standard error; its display names the mean, the definition any estimate.
    static let standardError = Coding(system: attributeEstimateTypeSystem, code: "0000037", display: "Standard error of the mean")
    static let iSquared = Coding(system: attributeEstimateTypeSystem, code: "0000420", display: "I-squared")
    static let tauSquared = Coding(system: attributeEstimateTypeSystem, code: "0000421", display: "Tau squared")
    static let cochransQ = Coding(system: attributeEstimateTypeSystem, code: "0000419", display: "Cochran's Q statistic")

    // MARK: Evidence.synthesisType (ValueSet synthesis-type)

    static let summaryDataMetaAnalysis = Coding(system: "http://terminology.hl7.org/CodeSystem/synthesis-type",
                                                code: "std-MA", display: "summary data meta-analysis")

    // MARK: Evidence.statistic.modelCharacteristic.code (ValueSet statistic-model-code)

    /// R5 (5.0.0) defines this code system itself, under hl7.org/fhir like `study-design`.
    static let statisticModelSystem = "http://hl7.org/fhir/statistic-model-code"

    /// The codes that name a pooling model: fixed or random effects, how the studies were
    /// weighted, how τ² was estimated, and the Hartung-Knapp adjustment; displays as the code
    /// system gives them. (It spells Mantel-Haenszel's code `poolMantelHaenzsel`; codes are
    /// compared as written.)
    static func statisticModel(_ method: PoolingMethod, hartungKnapp: Bool) -> [Coding] {
        func code(_ code: String, _ display: String) -> Coding { Coding(system: statisticModelSystem, code: code, display: display) }
        var codes = [code("metaAnalysis", "Meta-analysis")]
        switch method {
        case .commonEffect:
            codes += [code("effectsFixed", "Fixed-effects"), code("poolInverseVariance", "Inverse variance method")]
        case .mantelHaenszel:
            codes += [code("effectsFixed", "Fixed-effects"), code("poolMantelHaenzsel", "Mantel-Haenszel method")]
        case .derSimonianLaird:
            codes += [code("effectsRandom", "Random-effects"), code("poolInverseVariance", "Inverse variance method"),
                      code("tauDersimonianLaird", "Dersimonian-Laird method")]
        case .reml:
            codes += [code("effectsRandom", "Random-effects"), code("poolInverseVariance", "Inverse variance method"),
                      code("tauRestrictedMaximumLikelihood", "Restricted Maximum Likelihood method")]
        }
        if hartungKnapp { codes.append(code("hartungKnapp", "Hartung-Knapp adjustment")) }
        return codes
    }

    // MARK: Evidence.certainty (ValueSets certainty-type and certainty-rating)

    static let overallCertainty = Coding(system: "http://terminology.hl7.org/CodeSystem/certainty-type",
                                         code: "Overall", display: "Overall certainty")

    static func certaintyRating(_ certainty: Certainty) -> Coding {
        let system = "http://terminology.hl7.org/CodeSystem/certainty-rating"
        return switch certainty {
        case .high: Coding(system: system, code: "high", display: "High quality")
        case .moderate: Coding(system: system, code: "moderate", display: "Moderate quality")
        case .low: Coding(system: system, code: "low", display: "Low quality")
        case .veryLow: Coding(system: system, code: "very-low", display: "Very low quality")
        }
    }

    // MARK: Evidence.studyDesign (ValueSet study-design: SEVCO study design codes)

    static let studyDesignSystem = "http://hl7.org/fhir/study-design"

    /// The SEVCO characteristics a design implies. R5's value set lists characteristics, not
    /// named designs, and has nothing for a review or a laboratory study: a review is
    /// "secondary data collection from prior research" (plus "quantitative analysis" when it
    /// pools results); preclinical and other designs get no code. The export always adds the
    /// design's own name as a text-only concept, so nothing is lost where codes say less.
    static func studyDesign(_ design: StudyDesign) -> [Coding] {
        func sevco(_ number: String, _ display: String) -> Coding {
            Coding(system: studyDesignSystem, code: "SEVCO:" + number, display: display)
        }
        let randomized = sevco("01003", "randomized assignment")
        let observational = sevco("01002", "Observational research")
        let priorResearch = sevco("01049", "Secondary data collection from prior research")
        return switch design {
        case .systematicReview: [priorResearch]
        case .metaAnalysis: [priorResearch, sevco("01086", "Quantitative analysis")]
        case .rct: [randomized]
        case .crossoverRCT: [randomized, sevco("01024", "Controlled crossover cohort design")]
        // Open label says how a trial was masked, not how it was allocated; "clinical trial" is what is known.
        case .openLabel: [sevco("01029", "Clinical trial")]
        // Our cohorts are observational and may have one group or several: no finer code is safe.
        case .cohort: [observational]
        case .caseControl: [observational, sevco("01013", "Case control design")]
        case .caseSeries: [sevco("01016", "Uncontrolled cohort design")]
        case .caseReport: [sevco("01017", "Case report")]
        case .preclinical, .other: []
        }
    }
}
