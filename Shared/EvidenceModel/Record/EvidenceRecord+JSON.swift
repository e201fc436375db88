import Foundation

extension EvidenceRecord {
    /// The record's documented JSON form (snake_case keys, fields in a fixed order, absent
    /// fields left out). `RecordIntake.evaluate` reads it back to an equal record.
    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("title", .string(title)), ("year", .number(Double(year)))]
        func add(_ key: String, _ value: JSONValue?) { if let value { members.append((key, value)) } }
        add("authors", authors.isEmpty ? nil : .array(authors.map(JSONValue.string)))
        add("journal", journal.map(JSONValue.string))
        add("identifiers", identifiers.isEmpty ? nil : identifiers.json)
        add("url", url.map(JSONValue.string))
        add("conditions", .array(conditions.map(JSONValue.string)))
        add("design", .string(design.rawValue))
        add("participants", participants.map { .number(Double($0)) })
        add("dose_mg", doseMg.map(JSONValue.number))
        add("regimen", regimen.map(JSONValue.string))
        add("duration_weeks", durationWeeks.map(JSONValue.number))
        add("comparator", comparator.map { .string($0.rawValue) })
        add("outcomes", outcomes.isEmpty ? nil : .array(outcomes.map(\.json)))
        add("adverse_events", adverseEvents.isEmpty ? nil : .array(adverseEvents.map(JSONValue.string)))
        add("certainty", .string(certainty.rawValue))
        add("summary", summary.map(JSONValue.string))
        add("source", source.map(JSONValue.string))
        return .object(members)
    }

    /// The JSON form as compact UTF-8 bytes.
    public var jsonData: Data { JSONWriter.data(json) }
}

extension Identifiers {
    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        if let doi { members.append(("doi", .string(doi))) }
        if let pmid { members.append(("pmid", .string(pmid))) }
        if let nct { members.append(("nct", .string(nct))) }
        return .object(members)
    }
}

extension Outcome {
    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("measure", .string(measure))]
        if let instrument { members.append(("instrument", .string(instrument))) }
        members.append(("direction", .string(direction.rawValue)))
        if let effect { members.append(("effect", effect.json)) }
        if let nTreatment { members.append(("n_treatment", .number(Double(nTreatment)))) }
        if let nControl { members.append(("n_control", .number(Double(nControl)))) }
        return .object(members)
    }
}

extension Effect {
    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("type", .string(type.rawValue)), ("value", .number(value))]
        if let ciLow { members.append(("ci_low", .number(ciLow))) }
        if let ciHigh { members.append(("ci_high", .number(ciHigh))) }
        if let p { members.append(("p", .number(p))) }
        return .object(members)
    }
}

/// Records travel inside protocol messages in their JSON form and are validated again on
/// the way in, so a record decoded anywhere is as trustworthy as one from intake.
extension EvidenceRecord: Codable {
    public init(from decoder: any Decoder) throws {
        let evaluation = RecordIntake.evaluate(try JSONValue(from: decoder))
        guard let record = evaluation.record else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "invalid evidence record: " + evaluation.errors.map(\.description).joined(separator: "; ")))
        }
        self = record
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
