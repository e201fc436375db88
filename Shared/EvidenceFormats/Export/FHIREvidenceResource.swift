import EvidenceModel

/// A record's findings as an R5 `Evidence` resource: what was studied (`variableDefinition`,
/// after PICO), how (`studyDesign`), what was found (`statistic`, one per outcome) and how
/// sure we are (`certainty`, GRADE). `citeAsReference` points at the record's `Citation`.
enum FHIREvidenceResource {
    static func make(id: String, status: String, record: EvidenceRecord, citation: String) -> JSONValue {
        FHIRObject.build { evidence in
            evidence.add("resourceType", "Evidence")
            evidence.add("id", id)
            evidence.add("title", record.title)
            evidence.add("citeAsReference", ["reference": .string(citation)])
            evidence.add("status", status)
            evidence.add("description", record.summary)
            evidence.add("note", notes(record))
            evidence.add("variableDefinition", variables(record))
            evidence.add("studyDesign", studyDesign(record.design))
            evidence.add("statistic", record.outcomes.map { FHIRStatistic.make(for: $0, participants: record.participants) })
            evidence.add("certainty", [FHIRObject.build { certainty in
                certainty.add("type", FHIRCodes.overallCertainty.concept)
                certainty.add("rating", FHIRCodes.certaintyRating(record.certainty).concept)
            }])
        }
    }

    /// Population, exposure, reference exposure (when there was a comparator) and one
    /// measured variable per outcome. R5 requires at least one; every record has a population.
    static func variables(_ record: EvidenceRecord) -> [JSONValue] {
        var variables = [variable(FHIRCodes.population, population(record)),
                         variable(FHIRCodes.exposure, exposure(record))]
        if let comparator = record.comparator, comparator != .none {
            variables.append(variable(FHIRCodes.referenceExposure, comparatorName(comparator)))
        }
        variables += record.outcomes.map { variable(FHIRCodes.measuredVariable, measure(of: $0)) }
        return variables
    }

    static func variable(_ role: FHIRCodes.Coding, _ description: String) -> JSONValue {
        FHIRObject.build { variable in
            variable.add("description", description)
            variable.add("variableRole", role.concept)
        }
    }

    /// "People with Crohn's disease; 40 participants".
    static func population(_ record: EvidenceRecord) -> String {
        let names = record.conditions.map(ConditionVocabulary.displayName(code:)).joined(separator: ", ")
        return "People with " + names + (record.participants.map { "; \($0) participants" } ?? "")
    }

    /// "Naltrexone (4.5 mg daily; 4.5 mg a day; 12 weeks)": the dose, the regimen as written
    /// and the duration, each when known.
    static func exposure(_ record: EvidenceRecord) -> String {
        let details = [record.doseMg.map { "\(decimal($0)) mg daily" },
                       record.regimen,
                       record.durationWeeks.map { "\(decimal($0)) weeks" }].compactMap { $0 }
        return details.isEmpty ? "Naltrexone" : "Naltrexone (" + details.joined(separator: "; ") + ")"
    }

    static func comparatorName(_ comparator: Comparator) -> String {
        switch comparator {
        case .placebo: "Placebo"
        case .active: "Active comparator"
        case .usualCare: "Usual care"
        case .none: "No comparator"
        }
    }

    /// "clinical response (CDAI fall of at least 70 points)".
    static func measure(of outcome: Outcome) -> String {
        outcome.instrument.map { "\(outcome.measure) (\($0))" } ?? outcome.measure
    }

    /// Coded SEVCO characteristics, then the design as we name it (text only).
    static func studyDesign(_ design: StudyDesign) -> [JSONValue] {
        FHIRCodes.studyDesign(design).map(\.concept) + [["text": .string(design.displayName)]]
    }

    static func notes(_ record: EvidenceRecord) -> [JSONValue] {
        [record.adverseEvents.isEmpty ? nil : "Adverse events: " + record.adverseEvents.joined(separator: "; "),
         record.source.map { "Facts taken from: " + $0 }]
            .compactMap { $0.map { ["text": .string($0)] } }
    }

    /// 4.5 → "4.5", 12.0 → "12".
    static func decimal(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
