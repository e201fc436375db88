import EvidenceModel
import Foundation
import Testing
import WireProtocol
@testable import EvidenceFormats

/// Records of real studies, with facts from shared/reference/ldn-studies.md only.
private enum FHIRStudies {
    static let smith2011 = """
        {"title": "Therapy with the opioid antagonist naltrexone promotes mucosal healing in active Crohn's disease: a randomized placebo-controlled trial.",
         "year": 2011, "authors": ["Smith JP"], "journal": "Dig Dis Sci",
         "identifiers": {"pmid": "21380937", "doi": "10.1007/s10620-011-1653-7"},
         "url": "https://doi.org/10.1007/s10620-011-1653-7",
         "conditions": ["Crohn's disease"], "design": "rct", "participants": 40, "dose_mg": 4.5,
         "regimen": "4.5 mg a day", "duration_weeks": 12, "comparator": "placebo",
         "outcomes": [{"measure": "clinical response", "instrument": "CDAI fall of at least 70 points",
                       "direction": "improved", "effect": {"type": "proportion", "value": 0.88, "p": 0.009}}],
         "summary": "Placebo-controlled trial in 40 adults with active Crohn's disease: more responded on naltrexone.",
         "source": "abstract"}
        """
    static let bruun2024 = """
        {"title": "Naltrexone 6 mg once daily versus placebo in women with fibromyalgia: a randomised, double-blind, placebo-controlled trial",
         "year": 2024, "authors": ["Bruun KD"], "journal": "Lancet Rheumatol",
         "identifiers": {"pmid": "38258677", "doi": "10.1016/S2665-9913(23)00278-3", "nct": "NCT04270877"},
         "conditions": ["fibromyalgia"], "design": "rct", "participants": 99, "dose_mg": 6, "duration_weeks": 12,
         "comparator": "placebo",
         "outcomes": [{"measure": "pain intensity", "direction": "no-difference", "n_treatment": 49, "n_control": 50}]}
        """
    static let chopra2013 = """
        {"title": "Treatment of complex regional pain syndrome (CRPS) using low dose naltrexone (LDN).",
         "year": 2013, "authors": ["Chopra P", "Cooper MS"], "journal": "J Neuroimmune Pharmacol",
         "identifiers": {"doi": "10.1007/s11481-013-9451-y"}, "conditions": ["complex regional pain syndrome"],
         "design": "case-report", "participants": 2, "outcomes": [{"measure": "symptoms", "direction": "improved"}]}
        """
}

/// A record from its JSON, through intake like every stored record.
private func fhirRecord(_ json: String) throws -> EvidenceRecord {
    let evaluation = RecordIntake.evaluate(Data(json.utf8))
    return try #require(evaluation.record, "\(evaluation.errors)")
}

/// The bundled dataset, data/ldn-evidence.jsonl (symlinks resolved, for scratch packages).
private func fhirDatasetRecords() throws -> [EvidenceRecord] {
    let url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data/ldn-evidence.jsonl")
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
    return try lines.map { try fhirRecord(String($0)) }
}

private func fhirBundle(_ records: [(Int64, EvidenceRecord)], status: RecordStatus = .active) -> JSONValue {
    FHIRBundle.make(records.map { FHIRExportEntry(recordID: $0.0, record: $0.1, status: status) },
                    generatedAt: Date(timeIntervalSince1970: 1_780_000_000))
}

/// The value at a path such as `entry[1].resource.status`.
private func fhirValue(_ root: JSONValue?, _ path: String) -> JSONValue? {
    path.split(separator: ".").reduce(root) { value, step in
        let parts = step.split(separator: "[")
        var current = value?[String(parts[0])]
        for index in parts.dropFirst() {
            guard let position = Int(index.dropLast()), let elements = current?.arrayValue,
                  elements.indices.contains(position) else { return nil }
            current = elements[position]
        }
        return current
    }
}

private func fhirString(_ root: JSONValue?, _ path: String) -> String? {
    fhirValue(root, path)?.stringValue
}

/// Every code in a list of CodeableConcepts.
private func fhirCodes(_ concepts: JSONValue?) -> [String] {
    (concepts?.arrayValue ?? []).flatMap { ($0["coding"]?.arrayValue ?? []).compactMap { $0["code"]?.stringValue } }
}

/// Paths of values FHIR forbids: null, blank strings, empty arrays and objects.
private func fhirEmptyValues(_ value: JSONValue, at path: String = "") -> [String] {
    switch value {
    case .null: [path]
    case .string(let text): text.trimmingEnds().isEmpty ? [path] : []
    case .array(let elements):
        elements.isEmpty ? [path] : elements.enumerated().flatMap { fhirEmptyValues($1, at: "\(path)[\($0)]") }
    case .object(let members):
        members.isEmpty ? [path] : members.flatMap { fhirEmptyValues($0.value, at: path + "." + $0.key) }
    case .bool, .number: []
    }
}

@Suite("FHIR R5 export")
struct FHIRBundleTests {
    @Test("A bundle is a collection with a Citation then an Evidence per record, in order")
    func bundleShape() throws {
        let bundle = fhirBundle([(7, try fhirRecord(FHIRStudies.smith2011)), (8, try fhirRecord(FHIRStudies.bruun2024))])
        #expect(fhirString(bundle, "resourceType") == "Bundle")
        #expect(fhirString(bundle, "type") == "collection")
        #expect(fhirString(bundle, "timestamp") == "2026-05-28T20:26:40.000Z")
        let entries = try #require(bundle["entry"]?.arrayValue)
        #expect(entries.compactMap { fhirString($0, "resource.resourceType") } == ["Citation", "Evidence", "Citation", "Evidence"])
        #expect(entries.compactMap { fhirString($0, "fullUrl") } == [
            "https://ldn-evidence.invalid/fhir/Citation/ldn-7", "https://ldn-evidence.invalid/fhir/Evidence/ldn-7",
            "https://ldn-evidence.invalid/fhir/Citation/ldn-8", "https://ldn-evidence.invalid/fhir/Evidence/ldn-8",
        ])
        #expect(entries.compactMap { fhirString($0, "resource.id") } == ["ldn-7", "ldn-7", "ldn-8", "ldn-8"])
    }

    @Test("No records make a bundle without entries (FHIR forbids an empty array)")
    func emptyBundle() {
        let bundle = fhirBundle([])
        #expect(bundle["entry"] == nil)
        #expect(fhirEmptyValues(bundle).isEmpty)
    }

    @Test("Each Evidence cites its own Citation, by a reference that resolves in the bundle")
    func citeAs() throws {
        let bundle = fhirBundle([(7, try fhirRecord(FHIRStudies.smith2011)), (8, try fhirRecord(FHIRStudies.bruun2024))])
        for (citation, evidence) in [(0, 1), (2, 3)] {
            let reference = try #require(fhirString(bundle, "entry[\(evidence)].resource.citeAsReference.reference"))
            #expect(fhirString(bundle, "entry[\(citation)].fullUrl") == FHIRBundle.baseURL + "/" + reference)
        }
        #expect(fhirString(bundle, "entry[3].resource.citeAsReference.reference") == "Citation/ldn-8")
    }

    @Test("Identifiers carry the DOI, PubMed and ClinicalTrials.gov systems")
    func identifierSystems() throws {
        let bundle = fhirBundle([(8, try fhirRecord(FHIRStudies.bruun2024))])
        let identifiers = try #require(fhirValue(bundle, "entry[0].resource.citedArtifact.identifier")?.arrayValue)
        #expect(identifiers.compactMap { $0["system"]?.stringValue }
            == ["https://doi.org", "https://pubmed.ncbi.nlm.nih.gov", "http://clinicaltrials.gov"])
        #expect(identifiers.compactMap { $0["value"]?.stringValue }
            == ["10.1016/s2665-9913(23)00278-3", "38258677", "NCT04270877"])
    }

    @Test("The cited artifact has its title, summary, journal, year, web address and ranked authors")
    func citedArtifact() throws {
        let record = try fhirRecord(FHIRStudies.smith2011)
        let artifact = fhirValue(fhirBundle([(7, record)]), "entry[0].resource.citedArtifact")
        #expect(fhirString(artifact, "title[0].text") == record.title)
        #expect(fhirString(artifact, "abstract[0].text") == record.summary)
        #expect(fhirString(artifact, "publicationForm[0].publishedIn.title") == "Dig Dis Sci")
        #expect(fhirString(artifact, "publicationForm[0].publicationDateText") == "2011")
        #expect(fhirString(artifact, "webLocation[0].url") == "https://doi.org/10.1007/s10620-011-1653-7")

        let authors = fhirValue(fhirBundle([(9, try fhirRecord(FHIRStudies.chopra2013))]),
                                "entry[0].resource.citedArtifact.contributorship.entry")?.arrayValue ?? []
        #expect(authors.compactMap { fhirString($0, "contributor.display") } == ["Chopra P", "Cooper MS"])
        #expect(authors.compactMap { fhirValue($0, "rankingOrder")?.numberValue } == [1, 2])
        #expect(fhirValue(fhirBundle([(9, try fhirRecord(FHIRStudies.chopra2013))]),
                          "entry[0].resource.citedArtifact.webLocation") == nil)
    }

    // The reference list reports no ratio, difference or interval, so the statistics tests
    // below use illustrative numbers on outcomes that belong to no study.

    @Test("Each effect type is coded from the R5 statistic-type code system", arguments: [
        (EffectType.smd, "0000100"), (.md, "0000457"), (.rr, "C93152"), (.or, "C16932"), (.hr, "C93150"),
        (.rd, "0000424"), (.proportion, "C44256"),
    ])
    func statisticType(type: EffectType, code: String) {
        let outcome = Outcome(measure: "pain", direction: .improved, effect: Effect(type: type, value: 0.5))
        let statistic = FHIRStatistic.make(for: outcome, participants: nil)
        #expect(fhirString(statistic, "statisticType.coding[0].system") == "http://terminology.hl7.org/CodeSystem/statistic-type")
        #expect(fhirString(statistic, "statisticType.coding[0].code") == code)
        #expect(fhirValue(statistic, "quantity.value") == .number(0.5))
    }

    @Test("A 95% confidence interval and a p value become coded attribute estimates")
    func attributeEstimates() throws {
        let effect = Effect(type: .smd, value: -0.4, ciLow: -0.7, ciHigh: -0.1, p: 0.01)
        let statistic = FHIRStatistic.make(for: Outcome(measure: "pain", direction: .improved, effect: effect),
                                           participants: 60)
        let estimates = try #require(statistic["attributeEstimate"]?.arrayValue)
        #expect(estimates.count == 2)
        let system = "http://terminology.hl7.org/CodeSystem/attribute-estimate-type"
        #expect(fhirString(estimates[0], "type.coding[0].system") == system)
        #expect(fhirString(estimates[0], "type.coding[0].code") == "C53324")
        #expect(fhirValue(estimates[0], "level") == .number(0.95))
        #expect(fhirValue(estimates[0], "range.low.value") == .number(-0.7))
        #expect(fhirValue(estimates[0], "range.high.value") == .number(-0.1))
        #expect(fhirString(estimates[1], "type.coding[0].code") == "C44185")
        #expect(fhirValue(estimates[1], "quantity.value") == .number(0.01))
    }

    @Test("A reported SE is an attribute estimate, marked as on the log scale for a ratio")
    func standardError() throws {
        let statistic = FHIRStatistic.make(for: Outcome(measure: "pain", direction: .improved,
                                                        effect: Effect(type: .rr, value: 1.5, se: 0.2)), participants: nil)
        let estimates = try #require(statistic["attributeEstimate"]?.arrayValue)
        #expect(estimates.count == 1)
        #expect(fhirString(estimates[0], "type.coding[0].code") == "0000037")
        #expect(fhirValue(estimates[0], "quantity.value") == .number(0.2))
        #expect(fhirString(estimates[0], "description") == "On the log scale")
    }

    @Test("Estimates appear only for what is reported; one bound is still a range")
    func partialEstimates() {
        let plain = FHIRStatistic.make(for: Outcome(measure: "pain", direction: .improved,
                                                    effect: Effect(type: .md, value: -1.2)), participants: nil)
        #expect(plain["attributeEstimate"] == nil)
        let lowOnly = FHIRStatistic.make(for: Outcome(measure: "pain", direction: .improved,
                                                      effect: Effect(type: .rr, value: 1.5, ciLow: 1.1)), participants: nil)
        #expect(fhirValue(lowOnly, "attributeEstimate[0].range.low.value") == .number(1.1))
        #expect(fhirValue(lowOnly, "attributeEstimate[0].range.high") == nil)
        #expect(fhirValue(lowOnly, "attributeEstimate[1]") == nil)
    }

    @Test("Sample size is the outcome's arms when given, else the record's participants")
    func sampleSize() throws {
        let bruun = fhirBundle([(8, try fhirRecord(FHIRStudies.bruun2024))])
        #expect(fhirValue(bruun, "entry[1].resource.statistic[0].sampleSize.numberOfParticipants") == .number(99))
        let smith = fhirBundle([(7, try fhirRecord(FHIRStudies.smith2011))])
        #expect(fhirValue(smith, "entry[1].resource.statistic[0].sampleSize.numberOfParticipants") == .number(40))
        let arms = ArmPair(treatment: .binary(events: 3, total: 20), control: .binary(events: 1, total: 21))
        #expect(FHIRStatistic.sampleSize(Outcome(measure: "pain", direction: .improved, arms: arms), participants: 50) == 41)
        let oneArm = Outcome(measure: "pain", direction: .improved, nTreatment: 12)
        #expect(FHIRStatistic.sampleSize(oneArm, participants: 30) == 12)
        #expect(FHIRStatistic.sampleSize(Outcome(measure: "pain", direction: .improved), participants: nil) == nil)
    }

    @Test("A proportion with its p value, and an outcome reported only by direction")
    func statisticsOfRealStudies() throws {
        let smith = fhirValue(fhirBundle([(7, try fhirRecord(FHIRStudies.smith2011))]), "entry[1].resource.statistic[0]")
        #expect(fhirString(smith, "description") == "disease-activity (CDAI fall of at least 70 points): improved")
        #expect(fhirString(smith, "statisticType.coding[0].code") == "C44256")
        #expect(fhirValue(smith, "quantity.value") == .number(0.88))
        #expect(fhirString(smith, "attributeEstimate[0].type.coding[0].code") == "C44185")
        #expect(fhirValue(smith, "attributeEstimate[0].quantity.value") == .number(0.009))

        let bruun = fhirValue(fhirBundle([(8, try fhirRecord(FHIRStudies.bruun2024))]), "entry[1].resource.statistic[0]")
        #expect(fhirString(bruun, "description") == "pain: no-difference")
        #expect(bruun?["statisticType"] == nil && bruun?["quantity"] == nil && bruun?["attributeEstimate"] == nil)
    }

    @Test("Certainty is the overall GRADE rating, coded from certainty-rating", arguments: [
        (Certainty.high, "high"), (.moderate, "moderate"), (.low, "low"), (.veryLow, "very-low"),
    ])
    func certaintyRating(certainty: Certainty, code: String) {
        #expect(FHIRCodes.certaintyRating(certainty).code == code)
        #expect(FHIRCodes.certaintyRating(certainty).system == "http://terminology.hl7.org/CodeSystem/certainty-rating")
    }

    @Test("A record's certainty is written as type Overall with its rating")
    func certaintyOfRecord() throws {
        // An RCT of 40: high, one level down for imprecision (fewer than 100 participants).
        let certainty = fhirValue(fhirBundle([(7, try fhirRecord(FHIRStudies.smith2011))]), "entry[1].resource.certainty")
        #expect(certainty?.arrayValue?.count == 1)
        let first = certainty?.arrayValue?.first
        #expect(fhirString(first, "type.coding[0].system") == "http://terminology.hl7.org/CodeSystem/certainty-type")
        #expect(fhirString(first, "type.coding[0].code") == "Overall")
        #expect(fhirString(first, "rating.coding[0].code") == "moderate")
    }

    @Test("Each design maps to SEVCO study-design codes, then its own name as text", arguments: [
        (StudyDesign.systematicReview, ["SEVCO:01049"]), (.metaAnalysis, ["SEVCO:01049", "SEVCO:01086"]),
        (.rct, ["SEVCO:01003"]), (.crossoverRCT, ["SEVCO:01003", "SEVCO:01024"]), (.openLabel, ["SEVCO:01029"]),
        (.cohort, ["SEVCO:01002"]), (.caseControl, ["SEVCO:01002", "SEVCO:01013"]), (.caseSeries, ["SEVCO:01016"]),
        (.caseReport, ["SEVCO:01017"]), (.preclinical, []), (.other, []),
    ])
    func studyDesign(design: StudyDesign, codes: [String]) throws {
        let concepts = FHIREvidenceResource.studyDesign(design)
        #expect(fhirCodes(.array(concepts)) == codes)
        #expect(FHIRCodes.studyDesign(design).allSatisfy { $0.system == "http://hl7.org/fhir/study-design" })
        let last = try #require(concepts.last)
        #expect(last == ["text": .string(design.displayName)])
    }

    @Test("Record status becomes publication status on both resources", arguments: [
        (RecordStatus.active, "active"), (.retracted, "retired"), (.needsReview, "draft"),
    ])
    func status(status: RecordStatus, expected: String) throws {
        let bundle = fhirBundle([(7, try fhirRecord(FHIRStudies.smith2011))], status: status)
        #expect(fhirString(bundle, "entry[0].resource.status") == expected)
        #expect(fhirString(bundle, "entry[1].resource.status") == expected)
    }

    @Test("Variables: the conditions, the naltrexone regimen, the comparator and each outcome")
    func variables() throws {
        let smith = fhirValue(fhirBundle([(7, try fhirRecord(FHIRStudies.smith2011))]), "entry[1].resource.variableDefinition")
        let roles = (smith?.arrayValue ?? []).map { fhirString($0, "variableRole.coding[0].code") }
        #expect(roles == ["population", "exposure", "referenceExposure", "measuredVariable"])
        let descriptions = (smith?.arrayValue ?? []).compactMap { fhirString($0, "description") }
        #expect(descriptions == ["People with Crohn's disease; 40 participants",
                                 "Naltrexone (4.5 mg daily; 4.5 mg a day; 12 weeks)", "Placebo",
                                 "disease-activity (CDAI fall of at least 70 points)"])

        let chopra = fhirValue(fhirBundle([(9, try fhirRecord(FHIRStudies.chopra2013))]), "entry[1].resource.variableDefinition")
        let chopraRoles = (chopra?.arrayValue ?? []).map { fhirString($0, "variableRole.coding[0].code") }
        #expect(chopraRoles == ["population", "exposure", "measuredVariable"])
        #expect(fhirString(chopra?.arrayValue?[1], "description") == "Naltrexone")
    }

    @Test("The same entries and time always give the same bytes")
    func deterministic() throws {
        let records = try fhirDatasetRecords().enumerated().map { (Int64($0.offset + 1), $0.element) }
        let first = JSONWriter.data(fhirBundle(records))
        #expect(first == JSONWriter.data(fhirBundle(records)))
        #expect(JSONWriter.data(fhirBundle(records.reversed())) != first)
    }

    @Test("Every bundled record exports, with no value FHIR forbids")
    func bundledDataset() throws {
        let records = try fhirDatasetRecords()
        #expect(records.count == 24)
        let bundle = fhirBundle(records.enumerated().map { (Int64($0.offset + 1), $0.element) })
        #expect(fhirEmptyValues(bundle).isEmpty, "\(fhirEmptyValues(bundle))")
        let resources = (bundle["entry"]?.arrayValue ?? []).compactMap { $0["resource"] }
        #expect(resources.count == 48)
        for evidence in resources where evidence["resourceType"] == "Evidence" {
            #expect((evidence["variableDefinition"]?.arrayValue?.count ?? 0) >= 2)
            #expect(evidence["certainty"] != nil && evidence["studyDesign"] != nil)
        }
    }
}
