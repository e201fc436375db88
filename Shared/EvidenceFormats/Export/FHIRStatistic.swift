import EvidenceModel

/// One outcome as an `Evidence.statistic`. An outcome with an effect estimate becomes a
/// typed statistic: its value, 95% confidence interval and p value. One without (most
/// abstracts only say which way a result went) keeps its direction in `description`, so
/// that "no difference from placebo" is not lost from the export.
enum FHIRStatistic {
    static let confidenceLevel = 0.95

    static func make(for outcome: Outcome, participants: Int?) -> JSONValue {
        FHIRObject.build { statistic in
            statistic.add("description", "\(FHIREvidenceResource.measure(of: outcome)): \(outcome.direction.rawValue)")
            if let effect = outcome.effect {
                statistic.add("statisticType", FHIRCodes.statisticType(effect.type).concept)
                statistic.add("quantity", ["value": .number(.double(effect.value))])
            }
            statistic.add("sampleSize", FHIRObject.build {
                $0.add("numberOfParticipants", sampleSize(outcome, participants: participants))
            })
            if let effect = outcome.effect {
                statistic.add("attributeEstimate", [confidenceInterval(effect), pValue(effect), standardError(effect)].compactMap { $0 })
            }
        }
    }

    /// The outcome's own arms when it gives them (they may be fewer than were enrolled),
    /// else the record's participants.
    static func sampleSize(_ outcome: Outcome, participants: Int?) -> Int? {
        let treatment = outcome.nTreatment ?? outcome.arms?.treatment.n, control = outcome.nControl ?? outcome.arms?.control.n
        if treatment == nil && control == nil { return participants }
        return (treatment ?? 0) + (control ?? 0)
    }

    /// Records hold 95% intervals only; one bound alone is still a valid Range.
    static func confidenceInterval(_ effect: Effect) -> JSONValue? {
        guard effect.ciLow != nil || effect.ciHigh != nil else { return nil }
        return FHIRObject.build { estimate in
            estimate.add("type", FHIRCodes.confidenceInterval.concept)
            estimate.add("level", confidenceLevel)
            estimate.add("range", FHIRObject.build { range in
                range.add("low", effect.ciLow.map { ["value": .number(.double($0))] })
                range.add("high", effect.ciHigh.map { ["value": .number(.double($0))] })
            })
        }
    }

    /// On the log scale for ratios, as papers report it.
    static func standardError(_ effect: Effect) -> JSONValue? {
        effect.se.map { se in
            FHIRObject.build { estimate in
                estimate.add("description", effect.type.isRatio ? "On the log scale" : nil)
                estimate.add("type", FHIRCodes.standardError.concept)
                estimate.add("quantity", ["value": .number(.double(se))])
            }
        }
    }

    static func pValue(_ effect: Effect) -> JSONValue? {
        effect.p.map { p in
            ["type": FHIRCodes.pValue.concept, "quantity": ["value": .number(.double(p))]]
        }
    }
}
