import EvidenceModel
import Foundation
import MetaAnalysis
import WireProtocol

/// A synthesis as a FHIR R5 `Bundle` of type `collection` (`ldn synthesize --fhir FILE`):
/// - `Evidence/synthesis`: the pooled result, a summary data meta-analysis (`synthesisType`
///   std-MA). Its one `statistic` holds the pooled estimate (`quantity`, on the natural scale:
///   a ratio, not its log), `sampleSize` (studies and participants), the CI, p value, standard
///   error, prediction interval, I², τ² and Q as `attributeEstimate`s, and the model as
///   `modelCharacteristic` codes (fixed or random effects, inverse variance or Mantel-Haenszel,
///   the τ² method, Hartung-Knapp). It lists the studies it is `composed-of`, says in `note`
///   which were left out and why, and points at the published pools (`similar-to`).
///   Without a pooled result it has no statistic and its description says why.
/// - `Evidence/synthesis-study-N`: each pooled study's effect, CI, standard error and weight.
/// - `Evidence/synthesis-published-N`: each published meta-analysis' pooled value as reported.
/// Codes are those of `FHIRCodes`; docs/FORMATS.md lists them.
public enum FHIRSynthesisExport {
    public static let synthesisID = "synthesis"

    /// The bundle's JSON bytes (compact, deterministic for the same synthesis and time).
    public static func bundle(for synthesis: Synthesis, generatedAt: Date = Date()) -> Data {
        JSONWriter.data(make(synthesis, generatedAt: generatedAt))
    }

    static func make(_ synthesis: Synthesis, generatedAt: Date) -> JSONValue {
        let studies = synthesis.included.enumerated().map { index, study in
            (id: "\(synthesisID)-study-\(index + 1)", resource: studyEvidence(study, index: index, of: synthesis))
        }
        let published = synthesis.published.enumerated().map { index, pool in
            (id: "\(synthesisID)-published-\(index + 1)",
             resource: publishedEvidence(pool, id: "\(synthesisID)-published-\(index + 1)", question: synthesis.question))
        }
        let pooled = pooledEvidence(synthesis, studies: studies.map(\.id), published: published.map(\.id))
        return FHIRObject.build { bundle in
            bundle.add("resourceType", "Bundle")
            bundle.add("type", "collection")
            bundle.add("timestamp", Timestamp.string(generatedAt))
            bundle.add("entry", [FHIRBundle.bundleEntry("Evidence/" + synthesisID, pooled)]
                + (studies + published).map { FHIRBundle.bundleEntry("Evidence/" + $0.id, $0.resource) })
        }
    }

    // MARK: The pooled result

    static func pooledEvidence(_ synthesis: Synthesis, studies: [String], published: [String]) -> JSONValue {
        let question = synthesis.question
        return FHIRObject.build { evidence in
            evidence.add("resourceType", "Evidence")
            evidence.add("id", synthesisID)
            evidence.add("title", "Low-dose naltrexone for \(conditionName(question)): \(question.outcome), pooled")
            evidence.add("status", "active")
            evidence.add("description", description(synthesis))
            evidence.add("note", notes(synthesis))
            evidence.add("relatedArtifact", studies.map { artifact("composed-of", $0) } + published.map { artifact("similar-to", $0) })
            evidence.add("variableDefinition", variables(question, participants: participants(synthesis.included)))
            evidence.add("synthesisType", FHIRCodes.summaryDataMetaAnalysis.concept)
            evidence.add("studyDesign", question.design.map(FHIREvidenceResource.studyDesign) ?? [])
            evidence.add("statistic", synthesis.pooled.map { [pooledStatistic($0, included: synthesis.included)] } ?? [])
        }
    }

    /// "Pooled MD of 3 studies, REML random-effects model: -0.5 (95% CI -0.9 to -0.1). …", or
    /// why nothing was pooled.
    static func description(_ synthesis: Synthesis) -> String {
        guard let pooled = synthesis.pooled else {
            return "Not pooled: " + (synthesis.notPooled ?? "no two studies have comparable data")
        }
        let scale = Scale(pooled.measure)
        return "Pooled \(pooled.measure.rawValue) of \(pooled.k) studies, \(modelName(pooled)): "
            + "\(decimal(scale.natural(pooled.estimate))) (95% CI \(decimal(scale.natural(pooled.ciLow))) to "
            + "\(decimal(scale.natural(pooled.ciHigh)))). For evidence review, not a clinical recommendation."
    }

    /// "REML random-effects model with the Hartung-Knapp adjustment".
    static func modelName(_ pooled: PooledResult) -> String {
        let model = switch pooled.method {
        case .commonEffect: "common-effect model (inverse variance)"
        case .mantelHaenszel: "common-effect model (Mantel-Haenszel)"
        case .derSimonianLaird: "DerSimonian-Laird random-effects model"
        case .reml: "REML random-effects model"
        }
        return model + (pooled.hartungKnapp ? " with the Hartung-Knapp adjustment" : "")
    }

    static func notes(_ synthesis: Synthesis) -> [JSONValue] {
        synthesis.excluded.map { ["text": .string("Left out: \($0.label) — \($0.reason)")] }
    }

    static func artifact(_ type: String, _ id: String) -> JSONValue {
        ["type": .string(type), "resourceReference": ["reference": .string("Evidence/" + id)]]
    }

    static func pooledStatistic(_ pooled: PooledResult, included: [IncludedStudy]) -> JSONValue {
        let scale = Scale(pooled.measure)
        return FHIRObject.build { statistic in
            statistic.add("description", "Pooled \(pooled.measure.rawValue), \(modelName(pooled))")
            statistic.add("statisticType", FHIRCodes.statisticType(pooled.measure).concept)
            statistic.add("quantity", quantity(scale.natural(pooled.estimate)))
            statistic.add("sampleSize", FHIRObject.build { size in
                size.add("numberOfStudies", pooled.k)
                size.add("numberOfParticipants", participants(included))
            })
            statistic.add("attributeEstimate", [
                interval(FHIRCodes.confidenceInterval.concept, low: scale.natural(pooled.ciLow), high: scale.natural(pooled.ciHigh)),
                estimate(FHIRCodes.pValue.concept, pooled.p),
                estimate(FHIRCodes.standardError.concept, pooled.se, description: scale.seDescription),
                predictionInterval(pooled, scale: scale),
                estimate(FHIRCodes.iSquared.concept, pooled.i2, unit: "%"),
                estimate(FHIRCodes.tauSquared.concept, pooled.tau2, description: scale.tau2Description),
                cochransQ(pooled),
            ].compactMap { $0 })
            statistic.add("modelCharacteristic", FHIRCodes.statisticModel(pooled.method, hartungKnapp: pooled.hartungKnapp).map {
                code -> JSONValue in ["code": code.concept]
            })
        }
    }

    /// Random-effects models only. The code system has no code for it: the type is text.
    static func predictionInterval(_ pooled: PooledResult, scale: Scale) -> JSONValue? {
        guard let low = pooled.predictionLow, let high = pooled.predictionHigh else { return nil }
        return interval(["text": "Prediction interval"], low: scale.natural(low), high: scale.natural(high),
                        description: "Where the true effect of a new study is expected to lie")
    }

    static func cochransQ(_ pooled: PooledResult) -> JSONValue? {
        guard pooled.q.isFinite else { return nil }
        return FHIRObject.build { q in
            q.add("description", "Q with \(pooled.qDF) degrees of freedom")
            q.add("type", FHIRCodes.cochransQ.concept)
            q.add("quantity", quantity(pooled.q))
            q.add("attributeEstimate", [estimate(FHIRCodes.pValue.concept, pooled.qP)].compactMap { $0 })
        }
    }

    // MARK: Studies and published pools

    static func studyEvidence(_ study: IncludedStudy, index: Int, of synthesis: Synthesis) -> JSONValue {
        let measure = synthesis.pooled?.measure ?? synthesis.measure
        let result = synthesis.pooled?.studies.indices.contains(index) == true ? synthesis.pooled?.studies[index] : nil
        let se = study.effect.se
        let low = result?.ciLow ?? study.effect.yi - Distributions.z975 * se, high = result?.ciHigh ?? study.effect.yi + Distributions.z975 * se
        let scale = measure.map(Scale.init) ?? Scale(nil)
        return FHIRObject.build { evidence in
            evidence.add("resourceType", "Evidence")
            evidence.add("id", "\(synthesisID)-study-\(index + 1)")
            evidence.add("identifier", [["system": .string(recordKeySystem), "value": .string(study.key)]])
            evidence.add("title", study.title)
            evidence.add("status", "active")
            evidence.add("description", "\(study.label): \(study.design.displayName)"
                + (study.instrument.map { ", \($0)" } ?? "") + (study.timepointWeeks.map { ", week \(decimal($0))" } ?? ""))
            evidence.add("note", study.notes.map { ["text": .string($0)] })
            evidence.add("variableDefinition", variables(synthesis.question, participants: participants([study]),
                                                         instrument: study.instrument))
            evidence.add("studyDesign", FHIREvidenceResource.studyDesign(study.design))
            evidence.add("statistic", [FHIRObject.build { statistic in
                statistic.add("description", measure.map { "\($0.rawValue) for \(study.label)" })
                statistic.add("statisticType", measure.map { FHIRCodes.statisticType($0).concept })
                statistic.add("quantity", quantity(scale.natural(study.effect.yi)))
                statistic.add("sampleSize", FHIRObject.build { $0.add("numberOfParticipants", participants([study])) })
                statistic.add("attributeEstimate", [
                    interval(FHIRCodes.confidenceInterval.concept, low: scale.natural(low), high: scale.natural(high)),
                    estimate(FHIRCodes.standardError.concept, se, description: scale.seDescription),
                    result.flatMap { estimate(["text": "Weight"], $0.weight, unit: "%", description: "Share of the pooled estimate's weight") },
                ].compactMap { $0 })
            }])
        }
    }

    /// Where a study's key in this network is named (the host is reserved never to resolve, as in `FHIRBundle.baseURL`).
    static let recordKeySystem = FHIRBundle.baseURL + "/record-key"

    static func publishedEvidence(_ pool: PublishedPool, id: String, question: SynthesisQuestion) -> JSONValue {
        FHIRObject.build { evidence in
            evidence.add("resourceType", "Evidence")
            evidence.add("id", id)
            evidence.add("identifier", [["system": .string(recordKeySystem), "value": .string(pool.key)]])
            evidence.add("title", pool.title)
            evidence.add("status", "active")
            evidence.add("description", "Pooled value as published by \(pool.label) (\(pool.design.displayName)), not recomputed here")
            evidence.add("variableDefinition", variables(question, participants: pool.participants))
            evidence.add("synthesisType", FHIRCodes.summaryDataMetaAnalysis.concept)
            evidence.add("studyDesign", FHIREvidenceResource.studyDesign(pool.design))
            evidence.add("statistic", [FHIRObject.build { statistic in
                statistic.add("description", "\(pool.measure.rawValue) as reported")
                statistic.add("statisticType", FHIRCodes.statisticType(pool.measure).concept)
                statistic.add("quantity", quantity(pool.value))
                statistic.add("sampleSize", FHIRObject.build { $0.add("numberOfParticipants", pool.participants) })
                statistic.add("attributeEstimate", publishedEstimates(pool))
            }])
        }
    }

    /// The published CI (when both bounds are given) and p value.
    static func publishedEstimates(_ pool: PublishedPool) -> [JSONValue] {
        var estimates: [JSONValue] = []
        if let low = pool.ciLow, let high = pool.ciHigh,
           let ci = interval(FHIRCodes.confidenceInterval.concept, low: low, high: high) { estimates.append(ci) }
        if let p = pool.p, let estimate = estimate(FHIRCodes.pValue.concept, p) { estimates.append(estimate) }
        return estimates
    }

    // MARK: Pieces

    /// Population, exposure, and the outcome as the measured variable.
    static func variables(_ question: SynthesisQuestion, participants: Int?, instrument: String? = nil) -> [JSONValue] {
        [FHIREvidenceResource.variable(FHIRCodes.population, "People with \(conditionName(question))"
                                        + (participants.map { "; \($0) participants" } ?? "")),
         FHIREvidenceResource.variable(FHIRCodes.exposure, "Naltrexone"),
         FHIREvidenceResource.variable(FHIRCodes.measuredVariable, question.outcome + (instrument.map { " (\($0))" } ?? ""))]
    }

    static func conditionName(_ question: SynthesisQuestion) -> String {
        ConditionVocabulary.displayName(code: question.condition)
    }

    /// Participants of the studies when every one gives its arm sizes (a crossover trial's
    /// participants are in both arms, so they count once).
    static func participants(_ studies: [IncludedStudy]) -> Int? {
        var total = 0
        for study in studies {
            guard let treatment = study.nTreatment, let control = study.nControl else { return nil }
            total += study.design == .crossoverRCT ? max(treatment, control) : treatment + control
        }
        return studies.isEmpty ? nil : total
    }

    static func quantity(_ value: Double, unit: String? = nil) -> JSONValue? {
        guard value.isFinite else { return nil }
        return FHIRObject.build { quantity in
            quantity.add("value", value)
            if let unit {
                quantity.add("unit", unit)
                quantity.add("system", "http://unitsofmeasure.org")
                quantity.add("code", unit)
            }
        }
    }

    static func estimate(_ type: JSONValue, _ value: Double, unit: String? = nil, description: String? = nil) -> JSONValue? {
        guard let quantity = quantity(value, unit: unit) else { return nil }
        return FHIRObject.build { estimate in
            estimate.add("description", description)
            estimate.add("type", type)
            estimate.add("quantity", quantity)
        }
    }

    static func interval(_ type: JSONValue, low: Double, high: Double, description: String? = nil) -> JSONValue? {
        guard low.isFinite, high.isFinite else { return nil }
        return FHIRObject.build { estimate in
            estimate.add("description", description)
            estimate.add("type", type)
            estimate.add("level", FHIRStatistic.confidenceLevel)
            estimate.add("range", ["low": ["value": .number(.double(low))], "high": ["value": .number(.double(high))]])
        }
    }

    static func decimal(_ value: Double) -> String {
        String(format: "%.3g", value)
    }

    /// Ratios are pooled as logs and reported as ratios; their SE and τ² stay on the log scale.
    struct Scale {
        let isRatio: Bool

        init(_ measure: EffectType?) { isRatio = measure?.isRatio == true }

        func natural(_ value: Double) -> Double { isRatio ? exp(value) : value }
        var seDescription: String? { isRatio ? "On the log scale" : nil }
        var tau2Description: String? { isRatio ? "Between-study variance on the log scale" : "Between-study variance" }
    }
}
