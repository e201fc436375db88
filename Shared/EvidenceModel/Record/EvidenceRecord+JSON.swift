import Foundation

/// The record's documented JSON form: snake_case keys, fields in a fixed order, absent
/// fields left out. It is canonical — the same record always gives the same bytes — which
/// the store relies on to tell a duplicate from a new version. `RecordIntake.evaluate`
/// reads it back to an equal record.
extension EvidenceRecord {
    public func write(to output: inout JSONOutput) {
        output.object { o in
            o.field("title", title)
            o.field("year", year)
            o.field("authors", strings: authors)
            o.field("journal", journal)
            if !identifiers.isEmpty {
                o.key("identifiers")
                o.object { ids in
                    ids.field("doi", identifiers.doi)
                    ids.field("pmid", identifiers.pmid)
                    ids.field("nct", identifiers.nct)
                }
            }
            o.field("url", url)
            o.key("conditions")
            o.array(conditions) { $0.value($1) }
            o.field("design", design.rawValue)
            o.field("participants", participants)
            o.field("dose_mg", doseMg)
            o.field("regimen", regimen)
            o.field("duration_weeks", durationWeeks)
            o.field("comparator", comparator?.rawValue)
            if !outcomes.isEmpty {
                o.key("outcomes")
                o.array(outcomes) { output, outcome in outcome.write(to: &output) }
            }
            o.field("adverse_events", strings: adverseEvents)
            o.field("certainty", certainty.rawValue)
            o.field("summary", summary)
            o.field("source", source)
        }
    }

    /// The JSON form as compact UTF-8 bytes.
    public var jsonData: Data {
        var output = JSONOutput(capacity: 1536)
        write(to: &output)
        return Data(output.bytes)
    }

    /// The JSON form as a tree.
    public var json: JSONValue {
        do { return try JSONParser.parse(jsonData) } catch { preconditionFailure("invalid canonical JSON: \(error)") }
    }
}

extension Outcome {
    func write(to output: inout JSONOutput) {
        output.object { o in
            o.field("measure", measure)
            o.field("instrument", instrument)
            o.field("direction", direction.rawValue)
            if let effect {
                o.key("effect")
                o.object { e in
                    e.field("type", effect.type.rawValue)
                    e.field("value", effect.value)
                    e.field("ci_low", effect.ciLow)
                    e.field("ci_high", effect.ciHigh)
                    e.field("se", effect.se)
                    e.field("p", effect.p)
                }
            }
            o.field("n_treatment", nTreatment)
            o.field("n_control", nControl)
            o.field("timepoint_weeks", timepointWeeks)
            o.field("benefit", benefit?.rawValue)
            if let arms {
                o.key("arms")
                o.object { a in
                    a.key("treatment")
                    arms.treatment.write(to: &a)
                    a.key("control")
                    arms.control.write(to: &a)
                }
            }
            if changeFromBaseline { o.field("change_from_baseline", true) }
            o.field("crossover_analysis", crossover?.rawValue)
        }
    }
}

extension ArmData {
    func write(to output: inout JSONOutput) {
        output.object { o in
            switch self {
            case .binary(let events, let total):
                o.field("events", events)
                o.field("total", total)
            case .continuous(let mean, let spread, let n):
                o.field("n", n)
                o.field("mean", mean)
                switch spread {
                case .sd(let sd): o.field("sd", sd)
                case .se(let se): o.field("se", se)
                case .ci(let low, let high):
                    o.field("ci_low", low)
                    o.field("ci_high", high)
                }
            }
        }
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
