import EvidenceModel
import Foundation

/// The columns of an extraction sheet that describe one outcome of a study: a row with any of
/// them filled is one outcome of the row's study (docs/FORMATS.md, "Extraction sheets").
/// Each maps to a field of the outcome's JSON form:
///
/// | column | outcome field |
/// |---|---|
/// | `outcome`, `instrument`, `direction`, `benefit`, `timepoint_weeks`, `n_treatment`, `n_control`, `crossover_analysis`, `change_from_baseline` | `measure`, and the fields of the same name |
/// | `t_events`, `t_total`, `t_n`, `t_mean`, `t_sd`, `t_se`, `t_ci_low`, `t_ci_high` | `arms.treatment.events` … `arms.treatment.ci_high` |
/// | `c_events` … `c_ci_high` | `arms.control.…` |
/// | `effect_type`, `effect_value`, `effect_ci_low`, `effect_ci_high`, `effect_se`, `effect_p` | `effect.type` … `effect.p` |
///
/// Numbers are checked here, so that a cell that is not one is named by its line and column;
/// the rules between fields (a CI around its mean, events within the total…) are intake's.
enum CSVOutcomeColumns {
    /// The fields of an arm, in the order of the JSON form.
    static let armFields = ["events", "total", "n", "mean", "sd", "se", "ci_low", "ci_high"]
    static let effectFields = ["type", "value", "ci_low", "ci_high", "se", "p"]
    static let treatmentPrefix = "t_", controlPrefix = "c_", effectPrefix = "effect_"

    static let columns: [String] = ["outcome", "instrument", "direction", "benefit", "timepoint_weeks", "n_treatment",
                                    "n_control", "change_from_baseline", "crossover_analysis"]
        + armFields.map { treatmentPrefix + $0 } + armFields.map { controlPrefix + $0 }
        + effectFields.map { effectPrefix + $0 }

    static let wholeNumbers: Set<String> = ["n_treatment", "n_control", "t_events", "t_total", "t_n", "c_events", "c_total", "c_n"]
    static let texts: Set<String> = ["outcome", "instrument", "direction", "benefit", "crossover_analysis", "effect_type"]

    /// One row's outcome, or nil when none of its outcome cells is filled; cells that are not
    /// what their column holds are `problems`, each naming the column and `line`.
    static func outcome(_ cells: [String: String], line: Int) -> (outcome: JSONValue?, problems: [Problem]) {
        guard columns.contains(where: { cells[$0] != nil }) else { return (nil, []) }
        var problems: [Problem] = []
        func value(_ column: String) -> JSONValue? {
            guard let text = cells[column] else { return nil }
            if texts.contains(column) { return .string(text) }
            if column == "change_from_baseline" {
                guard let flag = flag(text) else {
                    problems.append(problem(column, line, "expected true or false (yes/no, 1/0), found \"\(text)\""))
                    return nil
                }
                return .bool(flag)
            }
            guard let number = CSVRecords.number(text) else {
                problems.append(problem(column, line, notANumber(text, column: column)))
                return nil
            }
            return number
        }
        func object(_ prefix: String, _ fields: [String]) -> JSONValue? {
            let members = fields.compactMap { field in value(prefix + field).map { (key: field, value: $0) } }
            return members.isEmpty ? nil : .object(members)
        }

        var members: [(key: String, value: JSONValue)] = []
        func add(_ key: String, _ value: JSONValue?) { if let value { members.append((key, value)) } }
        add("measure", value("outcome"))
        add("instrument", value("instrument"))
        add("direction", value("direction"))
        add("effect", object(effectPrefix, effectFields))
        add("n_treatment", value("n_treatment"))
        add("n_control", value("n_control"))
        add("timepoint_weeks", value("timepoint_weeks"))
        add("benefit", value("benefit"))
        let treatment = object(treatmentPrefix, armFields), control = object(controlPrefix, armFields)
        if treatment != nil || control != nil {
            // An arm left empty is left out, so that intake says it is required.
            add("arms", .object([("treatment", treatment), ("control", control)].compactMap { key, arm in arm.map { (key, $0) } }))
        }
        add("change_from_baseline", value("change_from_baseline"))
        add("crossover_analysis", value("crossover_analysis"))
        return (.object(members), problems)
    }

    static func problem(_ column: String, _ line: Int, _ message: String) -> Problem {
        Problem(field: location(column, line: line), message: message)
    }

    /// "t_sd on line 5", or "line 5" for the row as a whole.
    static func location(_ column: String?, line: Int) -> String {
        column.map { "\($0) on line \(line)" } ?? "line \(line)"
    }

    static func flag(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "y", "1": true
        case "false", "no", "n", "0": false
        default: nil
        }
    }

    /// What is wrong with a cell that should hold a number, with a hint for the usual slips.
    static func notANumber(_ text: String, column: String) -> String {
        let kind = wholeNumbers.contains(column) ? "a whole number" : "a number"
        if let first = text.first, "<>≤≥".contains(first) {
            return "expected \(kind), found \"\(text)\": a bound is not a value; leave the cell empty and say it in the summary"
        }
        if text.contains(",") { return "expected \(kind), found \"\(text)\" (write decimals with a point)" }
        return "expected \(kind), found \"\(text)\""
    }

    /// The column a problem at `path` inside one outcome (`.arms.treatment.sd`) points at;
    /// nil when it concerns the outcome as a whole.
    static func column(forPath path: Substring) -> String? {
        func field(after prefix: String) -> Substring? {
            path.hasPrefix(prefix + ".") ? path.dropFirst(prefix.count + 1) : nil
        }
        switch path {
        case "": return nil
        case ".measure": return "outcome"
        case ".effect": return "effect_… columns"
        case ".arms": return "t_… and c_… columns"
        case ".arms.treatment": return "t_… columns"
        case ".arms.control": return "c_… columns"
        default: break
        }
        if let name = field(after: ".arms.treatment") { return treatmentPrefix + name }
        if let name = field(after: ".arms.control") { return controlPrefix + name }
        if let name = field(after: ".effect") { return effectPrefix + name }
        return path.hasPrefix(".") ? String(path.dropFirst()) : nil
    }
}
