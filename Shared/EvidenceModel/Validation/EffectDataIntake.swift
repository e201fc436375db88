/// Effect data rules (docs/SYNTHESIS.md):
/// - `arms` holds `treatment` and `control`, both binary (`events`, `total`) or both continuous
///   (`n`, `mean`, and exactly one of `sd`, `se`, or `ci_low` with `ci_high`);
/// - events between 0 and total, total and n at least 1, SD and SE above 0, a CI with both
///   bounds, of more than zero width, that contains its mean (or estimate), ratios and their CI above 0;
/// - `benefit` is required with `arms`; a crossover trial's `arms` need `crossover_analysis`;
/// - `n_treatment` and `n_control`, when given with `arms`, must agree with them.
extension FieldReader {
    static let armsFields = ["treatment", "control"]
    static let armFields = ["events", "total", "n", "mean", "sd", "se", "ci_low", "ci_high"]

    mutating func arms(_ value: JSONValue?, at path: @autoclosure () -> String) -> ArmPair? {
        guard let value, value != .null, let fields = object(value, at: path(), known: Self.armsFields) else { return nil }
        let treatment = require(fields["treatment"].flatMap { arm($0, at: "\(path()).treatment") },
                                present: fields["treatment"], at: "\(path()).treatment")
        let control = require(fields["control"].flatMap { arm($0, at: "\(path()).control") },
                              present: fields["control"], at: "\(path()).control")
        guard let treatment, let control else { return nil }
        switch (treatment, control) {
        case (.binary, .binary), (.continuous, .continuous): return ArmPair(treatment: treatment, control: control)
        default:
            error(path(), "treatment and control must both be binary (events, total) or both continuous (n, mean, …)")
            return nil
        }
    }

    private mutating func arm(_ value: JSONValue, at path: @autoclosure () -> String) -> ArmData? {
        guard value != .null, let fields = object(value, at: path(), known: Self.armFields) else { return nil }
        let errorsBefore = errors.count
        if fields["events"] != nil || fields["total"] != nil {
            for extra in ["n", "mean", "sd", "se", "ci_low", "ci_high"] where fields[extra] != nil {
                error(child(path(), extra), "a binary arm has only events and total")
            }
            let events = require(count(fields["events"], at: "\(path()).events"), present: fields["events"], at: "\(path()).events")
            let total = require(count(fields["total"], at: "\(path()).total"), present: fields["total"], at: "\(path()).total")
            if let total, total < 1 { error("\(path()).total", "must be at least 1, found \(total)") }
            if let events, let total, events > total {
                error("\(path()).events", "\(events) events is more than the arm's total of \(total)")
            }
            guard let events, let total, errors.count == errorsBefore else { return nil }
            return .binary(events: events, total: total)
        }
        let n = require(count(fields["n"], at: "\(path()).n"), present: fields["n"], at: "\(path()).n")
        if let n, n < 1 { error("\(path()).n", "must be at least 1, found \(n)") }
        let mean = require(number(fields["mean"], at: "\(path()).mean"), present: fields["mean"], at: "\(path()).mean")
        let spread = self.spread(fields, mean: mean, at: path())
        guard let n, let mean, let spread, errors.count == errorsBefore else { return nil }
        return .continuous(mean: mean, spread: spread, n: n)
    }

    /// Exactly one of `sd`, `se`, or `ci_low` with `ci_high`.
    private mutating func spread(_ fields: Members, mean: Double?, at path: @autoclosure () -> String) -> Spread? {
        func given(_ key: String) -> Bool { fields[key].map { $0 != .null } ?? false }
        let sd = positive(fields["sd"], at: "\(path()).sd")
        let se = positive(fields["se"], at: "\(path()).se")
        let low = number(fields["ci_low"], at: "\(path()).ci_low"), high = number(fields["ci_high"], at: "\(path()).ci_high")
        let kinds = [given("sd"), given("se"), given("ci_low") || given("ci_high")].filter { $0 }.count
        guard kinds == 1 else {
            error(path(), kinds == 0 ? "a continuous arm needs its sd, se, or ci_low and ci_high"
                                   : "give one of sd, se, or ci_low and ci_high, not several")
            return nil
        }
        if let sd { return .sd(sd) }
        if let se { return .se(se) }
        // A CI with one bound says nothing about the spread: name the bound that is missing.
        for (key, other) in [("ci_low", "ci_high"), ("ci_high", "ci_low")] where given(other) && !given(key) {
            error("\(path()).\(key)", "is required with \(other): a CI needs both bounds")
        }
        guard let low, let high else { return nil }
        guard checkInterval(low: low, high: high, containing: mean, at: path(), what: "mean") else { return nil }
        return .ci(low: low, high: high)
    }

    /// A number above 0 (an SD, an SE), or nil with an error.
    mutating func positive(_ value: JSONValue?, at path: @autoclosure () -> String) -> Double? {
        guard let number = number(value, at: path()) else { return nil }
        guard number > 0 else {
            error(path(), "must be above 0, found \(number)")
            return nil
        }
        return number
    }

    /// `low ≤ value ≤ high`; false (with an error) when not.
    mutating func checkInterval(low: Double?, high: Double?, containing value: Double?, at path: @autoclosure () -> String, what: String) -> Bool {
        if let low, let high, low > high {
            error("\(path()).ci_low", "ci_low (\(low)) is above ci_high (\(high))")
            return false
        }
        if let low, let high, low == high {
            // Its standard error would be 0: an infinite weight in any pooled estimate.
            error("\(path()).ci_high", "ci_high equals ci_low (\(low)): a CI of zero width gives no standard error")
            return false
        }
        guard let value else { return true }
        if let low, low > value {
            error("\(path()).ci_low", "ci_low (\(low)) is above the \(what) (\(value))")
            return false
        }
        if let high, high < value {
            error("\(path()).ci_high", "ci_high (\(high)) is below the \(what) (\(value))")
            return false
        }
        return true
    }

    /// The rules that tie an outcome's effect data to each other and to the record.
    /// `benefitGiven`: the field is there, even with a value already refused (one error is enough).
    mutating func checkEffectData(arms: ArmPair?, benefitGiven: Bool, crossover: CrossoverAnalysis?, effect: Effect?,
                                  nTreatment: Int?, nControl: Int?, design: StudyDesign?, at path: String) {
        if let arms {
            if !benefitGiven { error("\(path).benefit", "is required with arms: say whether lower or higher is better") }
            if let nTreatment, nTreatment != arms.treatment.n {
                error("\(path).n_treatment", "is \(nTreatment) but the treatment arm has \(arms.treatment.n)")
            }
            if let nControl, nControl != arms.control.n {
                error("\(path).n_control", "is \(nControl) but the control arm has \(arms.control.n)")
            }
        }
        if design == .crossoverRCT, crossover == nil {
            if arms != nil {
                error("\(path).crossover_analysis", "a crossover trial's arms must say whether they are paired or per-period")
            } else if effect != nil {
                warning("\(path).crossover_analysis", "a crossover trial's effect should say whether it is paired or per-period")
            }
        }
        // Without a valid design (already an error) there is nothing to compare with.
        if crossover != nil, let design, design != .crossoverRCT {
            error("\(path).crossover_analysis", "is only for crossover trials (design crossover-rct)")
        }
    }
}
