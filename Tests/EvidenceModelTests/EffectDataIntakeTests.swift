import Foundation
import Testing
@testable import EvidenceModel

/// The sample record with one outcome (design `rct` unless `design` says otherwise). Every
/// number in this file is SYNTHETIC: shaped like a trial's, reported by none.
private func effectRecord(_ outcome: JSONValue, design: String = "rct", participants: Int = 200) -> JSONValue {
    sampleJSON(["design": .string(design), "participants": .number(.integer(Int64(participants))), "outcomes": [outcome]])
}

private func arm(_ members: KeyValuePairs<String, JSONValue>) -> JSONValue {
    .object(members.map { (key: $0.key, value: $0.value) })
}

/// SYNTHETIC continuous arms: mean, SD and n.
private let treatmentArm = arm(["n": 40, "mean": -2.1, "sd": 1.6])
private let controlArm = arm(["n": 41, "mean": -1.0, "sd": 1.5])

private func outcome(arms: JSONValue? = nil, effect: JSONValue? = nil,
                     extra: KeyValuePairs<String, JSONValue> = [:]) -> JSONValue {
    var members: [(key: String, value: JSONValue)] = [("measure", "pain"), ("direction", "no-difference")]
    if let arms { members += [("benefit", "lower"), ("arms", arms)] }
    if let effect { members.append(("effect", effect)) }
    for (key, value) in extra {
        if let index = members.firstIndex(where: { $0.key == key }) {
            if value == .null { members.remove(at: index) } else { members[index].value = value }
        } else {
            members.append((key, value))
        }
    }
    return .object(members)
}

private func pair(_ treatment: JSONValue, _ control: JSONValue) -> JSONValue {
    ["treatment": treatment, "control": control]
}

/// Each error as "field: message".
private func errors(_ json: JSONValue) -> [String] {
    RecordIntake.evaluate(json).errors.map(\.description)
}

@Suite("Effect data: validation of arms, spreads, intervals and the rules that tie them")
struct EffectDataIntakeTests {
    // MARK: Intervals

    @Test("An effect CI that does not contain its estimate is an error naming the bound")
    func effectIntervalExcludesEstimate() {
        #expect(errors(effectRecord(outcome(effect: ["type": "MD", "value": -1.1, "ci_low": -0.2, "ci_high": 0.27]))) == [
            "outcomes[0].effect.ci_low: ci_low (-0.2) is above the value (-1.1)"])
        #expect(errors(effectRecord(outcome(effect: ["type": "RR", "value": 2.0, "ci_low": 1.1, "ci_high": 1.8]))) == [
            "outcomes[0].effect.ci_high: ci_high (1.8) is below the value (2.0)"])
    }

    @Test("An arm's CI that does not contain its mean is an error naming the bound")
    func armIntervalExcludesMean() {
        let outside = arm(["n": 40, "mean": -2.1, "ci_low": -1.2, "ci_high": -0.8])
        #expect(errors(effectRecord(outcome(arms: pair(outside, controlArm)))) == [
            "outcomes[0].arms.treatment.ci_low: ci_low (-1.2) is above the mean (-2.1)"])
        let below = arm(["n": 50, "mean": -0.4, "ci_low": -1.5, "ci_high": -0.5])
        #expect(errors(effectRecord(outcome(arms: pair(treatmentArm, below)))) == [
            "outcomes[0].arms.control.ci_high: ci_high (-0.5) is below the mean (-0.4)"])
    }

    @Test("A CI of zero width, or with one bound, gives no standard error and is refused")
    func degenerateIntervals() {
        let flat = arm(["n": 40, "mean": -2.1, "ci_low": -2.1, "ci_high": -2.1])
        #expect(errors(effectRecord(outcome(arms: pair(flat, controlArm)))) == [
            "outcomes[0].arms.treatment.ci_high: ci_high equals ci_low (-2.1): a CI of zero width gives no standard error"])
        #expect(errors(effectRecord(outcome(effect: ["type": "MD", "value": 0.5, "ci_low": 0.5, "ci_high": 0.5]))).count == 1)
        let half = arm(["n": 40, "mean": -2.1, "ci_low": -1.7])
        #expect(errors(effectRecord(outcome(arms: pair(half, controlArm)))) == [
            "outcomes[0].arms.treatment.ci_high: is required with ci_low: a CI needs both bounds"])
        let otherHalf = arm(["n": 40, "mean": -2.1, "ci_low": .null, "ci_high": -0.8])
        #expect(errors(effectRecord(outcome(arms: pair(otherHalf, controlArm)))) == [
            "outcomes[0].arms.treatment.ci_low: is required with ci_high: a CI needs both bounds"])
    }

    // MARK: Spreads

    @Test("SD ≤ 0 and SE ≤ 0 are errors, on arms and on the effect", arguments: [0.0, -1.5])
    func nonPositiveSpread(value: Double) {
        let spread = JSONValue.number(.double(value))
        #expect(errors(effectRecord(outcome(arms: pair(arm(["n": 40, "mean": -2.1, "sd": spread]), controlArm)))) == [
            "outcomes[0].arms.treatment.sd: must be above 0, found \(value)"])
        #expect(errors(effectRecord(outcome(arms: pair(treatmentArm, arm(["n": 41, "mean": -1.0, "se": spread]))))) == [
            "outcomes[0].arms.control.se: must be above 0, found \(value)"])
        #expect(errors(effectRecord(outcome(effect: ["type": "MD", "value": -1.1, "se": spread]))) == [
            "outcomes[0].effect.se: must be above 0, found \(value)"])
    }

    @Test("One spread per arm: several, or none, is an error on the arm")
    func spreadCount() {
        let several = arm(["n": 40, "mean": -2.1, "sd": 1.6, "ci_low": -2.6, "ci_high": -1.6])
        #expect(errors(effectRecord(outcome(arms: pair(several, controlArm)))) == [
            "outcomes[0].arms.treatment: give one of sd, se, or ci_low and ci_high, not several"])
        let sdAndSE = arm(["n": 40, "mean": -2.1, "sd": 1.6, "se": 0.2])
        #expect(errors(effectRecord(outcome(arms: pair(sdAndSE, controlArm)))).count == 1)
        let none = arm(["n": 40, "mean": -2.1])
        #expect(errors(effectRecord(outcome(arms: pair(treatmentArm, none)))) == [
            "outcomes[0].arms.control: a continuous arm needs its sd, se, or ci_low and ci_high"])
    }

    // MARK: Binary arms

    @Test("Events above the total, a total of 0, negative events: errors naming the field")
    func binaryCounts() {
        #expect(errors(effectRecord(outcome(arms: pair(arm(["events": 31, "total": 30]), arm(["events": 10, "total": 30]))))) == [
            "outcomes[0].arms.treatment.events: 31 events is more than the arm's total of 30"])
        #expect(errors(effectRecord(outcome(arms: pair(arm(["events": 0, "total": 0]), arm(["events": 10, "total": 30]))))) == [
            "outcomes[0].arms.treatment.total: must be at least 1, found 0"])
        #expect(errors(effectRecord(outcome(arms: pair(arm(["events": 3, "total": 30]), arm(["events": -1, "total": 30]))))) == [
            "outcomes[0].arms.control.events: must not be negative, found -1"])
        #expect(errors(effectRecord(outcome(arms: pair(arm(["events": 3.5, "total": 30]), arm(["events": 1, "total": 30]))))) == [
            "outcomes[0].arms.treatment.events: expected a whole number, found 3.5"])
    }

    @Test("A binary arm takes only events and total, and needs both")
    func binaryShape() {
        #expect(errors(effectRecord(outcome(arms: pair(arm(["events": 3, "total": 30, "sd": 1]), arm(["events": 1, "total": 30]))))) == [
            "outcomes[0].arms.treatment.sd: a binary arm has only events and total"])
        #expect(errors(effectRecord(outcome(arms: pair(arm(["events": 3]), arm(["events": 1, "total": 30]))))) == [
            "outcomes[0].arms.treatment.total: is required"])
    }

    @Test("Continuous arms need n and mean; n of at least 1")
    func continuousShape() {
        #expect(Set(errors(effectRecord(outcome(arms: pair(arm(["sd": 1.6]), controlArm))))) == [
            "outcomes[0].arms.treatment.n: is required", "outcomes[0].arms.treatment.mean: is required"])
        #expect(errors(effectRecord(outcome(arms: pair(arm(["n": 0, "mean": 1, "sd": 1]), controlArm)))) == [
            "outcomes[0].arms.treatment.n: must be at least 1, found 0"])
        #expect(errors(effectRecord(outcome(arms: pair(arm(["n": 49, "mena": 1, "sd": 1]), controlArm)))) == [
            "outcomes[0].arms.treatment.mena: unknown field (did you mean \"mean\"?)",
            "outcomes[0].arms.treatment.mean: is required"])
    }

    // MARK: Rules that tie an outcome together

    @Test("A binary arm and a continuous arm cannot be compared: an error on arms")
    func mixedArms() {
        #expect(errors(effectRecord(outcome(arms: pair(arm(["events": 3, "total": 49]), controlArm)))) == [
            "outcomes[0].arms: treatment and control must both be binary (events, total) or both continuous (n, mean, …)"])
    }

    @Test("Both arms are required")
    func bothArms() {
        #expect(errors(effectRecord(outcome(arms: ["treatment": treatmentArm]))) == ["outcomes[0].arms.control: is required"])
        #expect(errors(effectRecord(outcome(arms: ["treatment": treatmentArm, "placebo": controlArm]))).contains {
            $0.hasPrefix("outcomes[0].arms.placebo: unknown field") })
    }

    @Test("Arms need the direction of benefit")
    func benefitRequired() {
        let json = effectRecord(outcome(arms: pair(treatmentArm, controlArm), extra: ["benefit": .null]))
        #expect(errors(json) == ["outcomes[0].benefit: is required with arms: say whether lower or higher is better"])
        #expect(errors(effectRecord(outcome(arms: pair(treatmentArm, controlArm), extra: ["benefit": "down"]))) == [
            "outcomes[0].benefit: \"down\" is not one of: lower, higher"], "one error, not a second saying it is missing")
        #expect(errors(effectRecord(outcome(arms: pair(treatmentArm, controlArm), extra: ["benefit": "  "]))) == [
            "outcomes[0].benefit: is required with arms: say whether lower or higher is better"], "blank is missing")
    }

    @Test("A crossover trial's arms must say paired or per-period; its effect alone only gets a warning")
    func crossoverNeedsAnalysis() {
        let arms = effectRecord(outcome(arms: pair(treatmentArm, controlArm)), design: "crossover-rct")
        #expect(errors(arms) == [
            "outcomes[0].crossover_analysis: a crossover trial's arms must say whether they are paired or per-period"])
        let paired = effectRecord(outcome(arms: pair(treatmentArm, controlArm), extra: ["crossover_analysis": "paired"]),
                                  design: "crossover-rct")
        #expect(RecordIntake.evaluate(paired).isValid)
        let effect = RecordIntake.evaluate(effectRecord(outcome(effect: ["type": "MD", "value": -0.5, "se": 0.2]),
                                                        design: "crossover-rct"))
        #expect(effect.isValid)
        #expect(effect.warnings.map(\.field) == ["outcomes[0].crossover_analysis"])
    }

    @Test("crossover_analysis on a design that is not a crossover is an error")
    func crossoverAnalysisOnParallelTrial() {
        let json = effectRecord(outcome(arms: pair(treatmentArm, controlArm), extra: ["crossover_analysis": "per-period"]))
        #expect(errors(json) == ["outcomes[0].crossover_analysis: is only for crossover trials (design crossover-rct)"])
        // With a design that is itself invalid there is nothing to compare with: one error, on the design.
        let badDesign = effectRecord(outcome(arms: pair(treatmentArm, controlArm), extra: ["crossover_analysis": "paired"]),
                                     design: "trial")
        #expect(RecordIntake.evaluate(badDesign).errors.map(\.field) == ["design"])
    }

    @Test("n_treatment and n_control must agree with the arms")
    func armSizesAgree() {
        let json = effectRecord(outcome(arms: pair(treatmentArm, controlArm), extra: ["n_treatment": 41, "n_control": 40]))
        #expect(errors(json) == ["outcomes[0].n_treatment: is 41 but the treatment arm has 40",
                                 "outcomes[0].n_control: is 40 but the control arm has 41"])
        let agreeing = effectRecord(outcome(arms: pair(treatmentArm, controlArm), extra: ["n_treatment": 40, "n_control": 41]))
        #expect(RecordIntake.evaluate(agreeing).isValid)
    }

    @Test("Arms larger than the record's participants get a warning, except in a crossover trial")
    func armsAndParticipants() {
        let parallel = RecordIntake.evaluate(effectRecord(outcome(arms: pair(treatmentArm, controlArm)), participants: 80))
        #expect(parallel.isValid && parallel.warnings.map(\.description) == [
            "outcomes[0]: n_treatment + n_control (81) exceeds participants (80)"])
        let crossover = RecordIntake.evaluate(effectRecord(
            outcome(arms: pair(treatmentArm, controlArm), extra: ["crossover_analysis": "paired"]),
            design: "crossover-rct", participants: 41))
        #expect(crossover.isValid && crossover.warnings.isEmpty, "\(crossover.warnings)")
    }

    @Test("timepoint_weeks lies between 0 and 20 years; change_from_baseline is true or false")
    func timepointAndBaseline() {
        #expect(errors(effectRecord(outcome(arms: pair(treatmentArm, controlArm), extra: ["timepoint_weeks": -1]))) == [
            "outcomes[0].timepoint_weeks: must be between 0 and 1040 (20 years), found -1.0"])
        #expect(errors(effectRecord(outcome(arms: pair(treatmentArm, controlArm), extra: ["change_from_baseline": "yes"]))) == [
            "outcomes[0].change_from_baseline: expected true or false, found a string"])
    }

    @Test("Every problem of an outcome is reported at once, each with its own path")
    func everyProblemAtOnce() {
        let json = effectRecord(outcome(
            arms: pair(arm(["n": 40, "mean": -2.1, "sd": -1]), arm(["n": 41, "mean": -1.0, "se": 0])),
            effect: ["type": "MD", "value": -1.1, "ci_low": 0, "ci_high": 0.27, "se": -0.3],
            extra: ["benefit": .null, "crossover_analysis": "paired"]))
        #expect(Set(RecordIntake.evaluate(json).errors.map(\.field)) == [
            "outcomes[0].arms.treatment.sd", "outcomes[0].arms.control.se", "outcomes[0].effect.ci_low",
            "outcomes[0].effect.se", "outcomes[0].crossover_analysis",
        ])
    }

    // MARK: Round trips

    /// Every arm form, and an effect with an SE: JSON → record → JSON gives the same JSON,
    /// and the record read back is equal.
    @Test("Every arm form survives JSON → record → JSON", arguments: [
        pair(arm(["events": 12, "total": 30]), arm(["events": 0, "total": 31])),
        pair(arm(["n": 40, "mean": -2.1, "sd": 1.6]), arm(["n": 41, "mean": -1.0, "sd": 1.5])),
        pair(arm(["n": 40, "mean": -2.1, "se": 0.23]), arm(["n": 41, "mean": -1.0, "se": 0.21])),
        pair(arm(["n": 40, "mean": -2.1, "ci_low": -2.6, "ci_high": -1.6]), arm(["n": 41, "mean": -1.0, "ci_low": -1.5, "ci_high": -0.5])),
        pair(arm(["n": 20, "mean": 3, "sd": 1]), arm(["n": 20, "mean": 2.5, "ci_low": 2, "ci_high": 3])),
    ])
    func armRoundTrip(arms: JSONValue) throws {
        let json = effectRecord(outcome(arms: arms, extra: [
            "instrument": "NRS 0-10", "timepoint_weeks": 12, "change_from_baseline": true,
        ]))
        let record = try #require(RecordIntake.evaluate(json).record, "\(errors(json))")
        let written = record.json
        #expect(written["outcomes"]?.arrayValue?.first?["arms"] == arms)
        let again = try #require(RecordIntake.evaluate(written).record)
        #expect(again == record)
        #expect(again.jsonData == record.jsonData)
        let read = try #require(record.outcomes.first)
        #expect(read.benefit == .lower && read.timepointWeeks == 12 && read.changeFromBaseline)
        #expect(read.hasEffectData)
    }

    @Test("The arms read into the model as given")
    func armModel() throws {
        let json = effectRecord(outcome(arms: pair(arm(["n": 40, "mean": -2.1, "ci_low": -2.6, "ci_high": -1.6]),
                                                   arm(["events": 3, "total": 50]))))
        #expect(!RecordIntake.evaluate(json).isValid, "mixed, as a control")
        let continuous = effectRecord(outcome(arms: pair(arm(["n": 40, "mean": -2.1, "ci_low": -2.6, "ci_high": -1.6]),
                                                         arm(["n": 41, "mean": -1.0, "se": 0.2]))))
        let arms = try #require(RecordIntake.evaluate(continuous).record?.outcomes.first?.arms)
        #expect(arms.treatment == .continuous(mean: -2.1, spread: .ci(low: -2.6, high: -1.6), n: 40))
        #expect(arms.control == .continuous(mean: -1.0, spread: .se(0.2), n: 41))
        let binary = effectRecord(outcome(arms: pair(arm(["events": 12, "total": 30]), arm(["events": 0, "total": 31]))))
        let binaryArms = try #require(RecordIntake.evaluate(binary).record?.outcomes.first?.arms)
        #expect(binaryArms.treatment == .binary(events: 12, total: 30) && binaryArms.control.n == 31)
    }

    @Test("A crossover outcome and an effect with its SE survive JSON → record → JSON")
    func crossoverAndEffectRoundTrip() throws {
        let json = effectRecord(outcome(
            arms: pair(treatmentArm, controlArm),
            effect: ["type": "RR", "value": 0.8, "ci_low": 0.6, "ci_high": 1.1, "se": 0.16, "p": 0.2],
            extra: ["crossover_analysis": "per-period", "n_treatment": 40, "n_control": 41]),
            design: "crossover-rct")
        let record = try #require(RecordIntake.evaluate(json).record, "\(errors(json))")
        #expect(record.outcomes[0].crossover == .perPeriod)
        #expect(record.outcomes[0].effect?.se == 0.16)
        #expect(RecordIntake.evaluate(record.json).record == record)
        #expect(record.json["outcomes"]?.arrayValue?.first?["effect"] == ["type": "RR", "value": 0.8, "ci_low": 0.6, "ci_high": 1.1,
                                                          "se": 0.16, "p": 0.2])
    }

    @Test("A proportion alone is not effect data; an MD with its CI is")
    func hasEffectData() throws {
        let proportion = try #require(RecordIntake.evaluate(sampleJSON()).record?.outcomes.first)
        #expect(!proportion.hasEffectData)
        let md = try #require(RecordIntake.evaluate(effectRecord(outcome(effect: ["type": "MD", "value": -1.1,
                                                                                  "ci_low": -1.6, "ci_high": -0.6])))
            .record?.outcomes.first)
        #expect(md.hasEffectData)
    }
}
