import Foundation

/// The one way records from outside get in: parse, check every field, normalise.
///
/// Rules, field by field (all problems are reported, not just the first):
/// - `title` (≤ 1000 characters), `year` (1900 to next year), `conditions` (at least one),
///   `design` are required; unknown fields are errors.
/// - identifiers: DOI `10.NNNN/…` (resolver prefixes removed, lower-cased), PMID digits,
///   NCT id `NCT` + 8 digits.
/// - counts (`participants`, `n_treatment`, `n_control`) are whole and not negative.
/// - `dose_mg` must be above 0 and at most 50 (the full naltrexone dose); above 10 mg is
///   accepted with a warning that it is not a low dose.
/// - effects: `ci_low ≤ value ≤ ci_high`, `se > 0`, `0 ≤ p ≤ 1`, ratios above 0, proportions within 0–1.
/// - effect data per arm: see `EffectDataIntake.swift`.
/// - conditions and outcome measures are mapped to their vocabularies; certainty, when not
///   given, is derived (`Certainty.derived`).
public enum RecordIntake {
    public static let fields = ["title", "year", "authors", "journal", "identifiers", "url", "conditions",
                                "design", "participants", "dose_mg", "regimen", "duration_weeks", "comparator",
                                "outcomes", "adverse_events", "certainty", "summary", "source"]
    static let identifierFields = ["doi", "pmid", "nct"]
    static let outcomeFields = ["measure", "instrument", "direction", "effect", "n_treatment", "n_control",
                                "timepoint_weeks", "benefit", "arms", "change_from_baseline", "crossover_analysis"]
    static let effectFields = ["type", "value", "ci_low", "ci_high", "se", "p"]

    /// The highest dose accepted at all, and the highest called low.
    public static let maximumDoseMg = 50.0
    public static let lowDoseLimitMg = 10.0

    /// Next year (UTC): studies are published with next year's date ahead of print.
    public static var latestYear: Int {
        var now = time(nil), parts = tm()
        gmtime_r(&now, &parts)
        return Int(parts.tm_year) + 1900 + 1
    }

    /// Parses and evaluates one record's JSON text.
    public static func evaluate(_ data: Data) -> Evaluation {
        do {
            return evaluate(try JSONParser.parse(data))
        } catch {
            return Evaluation(record: nil, errors: [Problem(field: "", message: "invalid JSON: \(error)")], warnings: [])
        }
    }

    public static func evaluate(_ json: JSONValue) -> Evaluation {
        var reader = FieldReader()
        let record = reader.record(json)
        return Evaluation(record: reader.errors.isEmpty ? record : nil, errors: reader.errors, warnings: reader.warnings)
    }
}

extension FieldReader {
    mutating func record(_ json: JSONValue) -> EvidenceRecord? {
        guard let fields = object(json, at: "", known: RecordIntake.fields) else { return nil }

        let title = require(string(fields["title"], at: "title", maxLength: 1000), present: fields["title"], at: "title")
        let year = require(integer(fields["year"], at: "year"), present: fields["year"], at: "year")
        if let year, case let latest = RecordIntake.latestYear, !(1900...latest).contains(year) {
            error("year", "must be between 1900 and \(latest), found \(year)")
        }
        let conditions = self.conditions(fields["conditions"])
        let design = require(choice(fields["design"], at: "design", StudyDesign.self), present: fields["design"], at: "design")
        let authors = strings(fields["authors"], at: "authors", maxCount: 1000)
        let journal = string(fields["journal"], at: "journal", maxLength: 500)
        let identifiers = self.identifiers(fields["identifiers"])
        let url = self.url(fields["url"])
        let participants = count(fields["participants"], at: "participants")
        let doseMg = dose(fields["dose_mg"])
        let regimen = string(fields["regimen"], at: "regimen", maxLength: 500)
        let durationWeeks = number(fields["duration_weeks"], at: "duration_weeks")
        if let durationWeeks, !(durationWeeks > 0 && durationWeeks <= 1040) {
            error("duration_weeks", "must be above 0 and at most 1040 (20 years), found \(durationWeeks)")
        }
        let comparator = choice(fields["comparator"], at: "comparator", Comparator.self)
        let outcomes = array(fields["outcomes"], at: "outcomes").enumerated().compactMap { index, element in
            outcome(element, at: "outcomes[\(index)]", participants: participants, design: design)
        }
        let adverseEvents = strings(fields["adverse_events"], at: "adverse_events")
        let certainty = choice(fields["certainty"], at: "certainty", Certainty.self)
        let summary = text(fields["summary"], at: "summary", maxLength: 20000)
        let source = string(fields["source"], at: "source", maxLength: 1000)

        if identifiers.isEmpty, errors.isEmpty {
            warning("identifiers", "no DOI, PMID or NCT id: duplicates are recognised by title, year and first author only")
        }
        guard let title, let year, !conditions.isEmpty, let design else { return nil }
        return EvidenceRecord(
            title: title, year: year, conditions: conditions, design: design, authors: authors, journal: journal,
            identifiers: identifiers, url: url, participants: participants, doseMg: doseMg, regimen: regimen,
            durationWeeks: durationWeeks, comparator: comparator, outcomes: outcomes, adverseEvents: adverseEvents,
            certainty: certainty, summary: summary, source: source)
    }

    mutating func conditions(_ value: JSONValue?) -> [String] {
        let names = strings(value, at: "conditions", maxCount: 50, maxLength: 200)
        if names.isEmpty, value == nil || value == .null || value?.arrayValue?.isEmpty == true {
            error("conditions", "at least one condition is required")
        }
        var codes: [String] = []
        for (index, name) in names.enumerated() {
            let code = ConditionVocabulary.code(for: name)
            let explicitOther = name.lowercased().hasPrefix(ConditionVocabulary.otherPrefix)
            if !explicitOther, let meant = ConditionVocabulary.nearMiss(for: name) {
                // A misspelt known condition would be stored under a code nobody filters by.
                error("conditions[\(index)]", "\"\(name)\" is not a known condition; did you mean \"\(meant.code)\" (\(meant.name))? "
                      + "Write \"other:\(name)\" to keep it as written")
                continue
            }
            if code.hasPrefix(ConditionVocabulary.otherPrefix) && !explicitOther {
                let hint = ConditionVocabulary.suggestions(for: name).first.map { " (did you mean \"\($0)\"?)" } ?? ""
                warning("conditions[\(index)]", "\"\(name)\" is not in the condition vocabulary; kept as \"\(code)\"\(hint)")
            }
            if !codes.contains(code) { codes.append(code) }
        }
        return codes
    }

    mutating func identifiers(_ value: JSONValue?) -> Identifiers {
        guard let value, value != .null,
              let fields = object(value, at: "identifiers", known: RecordIntake.identifierFields) else { return Identifiers() }
        var identifiers = Identifiers()
        if let doi = string(fields["doi"], at: "identifiers.doi").map(Identifiers.normalizeDOI) {
            if Identifiers.isValidDOI(doi) { identifiers.doi = doi } else {
                error("identifiers.doi", "\"\(doi)\" is not a DOI (expected 10.NNNN/suffix)")
            }
        }
        if let pmid = string(fields["pmid"], at: "identifiers.pmid").map(Identifiers.normalizePMID) {
            if Identifiers.isValidPMID(pmid) { identifiers.pmid = pmid } else {
                error("identifiers.pmid", "\"\(pmid)\" is not a PubMed id (expected 1 to 9 digits)")
            }
        }
        if let nct = string(fields["nct"], at: "identifiers.nct").map(Identifiers.normalizeNCT) {
            if Identifiers.isValidNCT(nct) { identifiers.nct = nct } else {
                error("identifiers.nct", "\"\(nct)\" is not a ClinicalTrials.gov id (expected NCT and 8 digits)")
            }
        }
        return identifiers
    }

    mutating func url(_ value: JSONValue?) -> String? {
        guard let text = string(value, at: "url") else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              url.host?.isEmpty == false else {
            error("url", "\"\(text)\" is not an http or https address")
            return nil
        }
        return text
    }

    mutating func dose(_ value: JSONValue?) -> Double? {
        guard let dose = number(value, at: "dose_mg") else { return nil }
        guard dose > 0 else {
            error("dose_mg", "must be above 0, found \(dose)")
            return nil
        }
        guard dose <= RecordIntake.maximumDoseMg else {
            error("dose_mg", "\(dose.formatted) mg is above the standard 50 mg naltrexone dose; this is not low-dose naltrexone")
            return nil
        }
        if dose > RecordIntake.lowDoseLimitMg {
            warning("dose_mg", "\(dose.formatted) mg is not a low dose (LDN is usually 1.5–4.5 mg a day)")
        }
        return dose
    }

    mutating func outcome(_ value: JSONValue, at path: String, participants: Int?, design: StudyDesign?) -> Outcome? {
        guard let fields = object(value, at: path, known: RecordIntake.outcomeFields) else { return nil }
        let measureText = require(string(fields["measure"], at: "\(path).measure", maxLength: 200),
                                  present: fields["measure"], at: "\(path).measure")
        let measure = measureText.map { text -> String in
            if let code = OutcomeVocabulary.code(for: text) { return code }
            warning("\(path).measure", "\"\(text)\" is not in the outcome vocabulary; kept as written")
            return text.lowercased()
        }
        let instrument = string(fields["instrument"], at: "\(path).instrument", maxLength: 200)
        let direction = require(choice(fields["direction"], at: "\(path).direction", Direction.self),
                                present: fields["direction"], at: "\(path).direction")
        let effect = fields["effect"].flatMap { $0 == .null ? nil : self.effect($0, at: "\(path).effect") }
        let nTreatment = count(fields["n_treatment"], at: "\(path).n_treatment")
        let nControl = count(fields["n_control"], at: "\(path).n_control")
        let timepointWeeks = number(fields["timepoint_weeks"], at: "\(path).timepoint_weeks")
        if let timepointWeeks, !(timepointWeeks >= 0 && timepointWeeks <= 1040) {
            error("\(path).timepoint_weeks", "must be between 0 and 1040 (20 years), found \(timepointWeeks)")
        }
        let errorsBeforeBenefit = errors.count
        let benefit = choice(fields["benefit"], at: "\(path).benefit", Benefit.self)
        let benefitRefused = errors.count > errorsBeforeBenefit
        let arms = self.arms(fields["arms"], at: "\(path).arms")
        let changeFromBaseline = boolean(fields["change_from_baseline"], at: "\(path).change_from_baseline") ?? false
        let crossover = choice(fields["crossover_analysis"], at: "\(path).crossover_analysis", CrossoverAnalysis.self)
        // The arms' sizes count where n_treatment and n_control are not given. In a crossover
        // trial every participant is in both arms, so the sum may exceed them.
        let armSizes = (nTreatment ?? arms?.treatment.n ?? 0) + (nControl ?? arms?.control.n ?? 0)
        if let participants, armSizes > participants, design != .crossoverRCT {
            warning(path, "n_treatment + n_control (\(armSizes)) exceeds participants (\(participants))")
        }
        checkEffectData(arms: arms, benefitGiven: benefit != nil || benefitRefused, crossover: crossover, effect: effect,
                        nTreatment: nTreatment, nControl: nControl, design: design, at: path)
        guard let measure, let direction else { return nil }
        return Outcome(measure: measure, instrument: instrument, direction: direction, effect: effect,
                       nTreatment: nTreatment, nControl: nControl, timepointWeeks: timepointWeeks, benefit: benefit,
                       arms: arms, changeFromBaseline: changeFromBaseline, crossover: crossover)
    }

    mutating func effect(_ value: JSONValue, at path: @autoclosure () -> String) -> Effect? {
        guard let fields = object(value, at: path(), known: RecordIntake.effectFields) else { return nil }
        let type = require(choice(fields["type"], at: "\(path()).type", EffectType.self), present: fields["type"], at: "\(path()).type")
        let estimate = require(number(fields["value"], at: "\(path()).value"), present: fields["value"], at: "\(path()).value")
        let ciLow = number(fields["ci_low"], at: "\(path()).ci_low")
        let ciHigh = number(fields["ci_high"], at: "\(path()).ci_high")
        let errorsBefore = errors.count
        let se = positive(fields["se"], at: "\(path()).se")
        let p = number(fields["p"], at: "\(path()).p")

        if let p, !(0...1).contains(p) { error("\(path()).p", "must be between 0 and 1, found \(p)") }
        _ = checkInterval(low: ciLow, high: ciHigh, containing: estimate, at: path(), what: "value")
        if (ciLow == nil) != (ciHigh == nil) { warning(path(), "half a CI cannot be used for pooling: give both ci_low and ci_high") }
        if let type, let estimate {
            switch type {
            case .rr, .or, .hr:
                if estimate <= 0 { error("\(path()).value", "a \(type.rawValue) is a ratio and must be above 0, found \(estimate)") }
                if let ciLow, ciLow <= 0 { error("\(path()).ci_low", "a ratio's CI must be above 0, found \(ciLow)") }
            case .proportion:
                if !(0...1).contains(estimate) { error("\(path()).value", "a proportion must be between 0 and 1, found \(estimate)") }
            default: break
            }
        }
        guard let type, let estimate, errors.count == errorsBefore else { return nil }
        return Effect(type: type, value: estimate, ciLow: ciLow, ciHigh: ciHigh, se: se, p: p)
    }
}

extension Double {
    /// "4.5", "12", "0.016": as short as the value allows.
    var formatted: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : description }
}
