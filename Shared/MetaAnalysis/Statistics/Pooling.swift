import EvidenceModel

/// Checks a pooling request, computes the effect sizes and hands them to the model:
/// rma.uni's inverse variance (fe, dl, reml) or rma.mh's Mantel-Haenszel (mh).
enum Pooling {
    static func pool(_ studies: [Study], measure: EffectType, options: PoolingOptions) throws(PoolingError) -> PooledResult {
        guard studies.count >= 2 else { throw .tooFewStudies(studies.count) }
        return try fit(try prepare(studies, measure: measure, options: options), measure: measure, options: options)
    }

    /// The studies' effect sizes (and 2×2 tables for Mantel-Haenszel), once checked.
    struct Prepared {
        var labels: [String]
        var effects: [EffectSize]
        var tables: [TwoByTwo]?

        func removing(_ index: Int) -> Prepared {
            var copy = self
            copy.labels.remove(at: index)
            copy.effects.remove(at: index)
            copy.tables?.remove(at: index)
            return copy
        }
    }

    static func prepare(_ studies: [Study], measure: EffectType, options: PoolingOptions) throws(PoolingError) -> Prepared {
        try check(options, measure: measure)
        if let reason = StudyChecks.unpoolableMeasure(measure) { throw .notApplicable(reason) }
        var effects: [EffectSize] = []
        effects.reserveCapacity(studies.count)
        for study in studies {
            effects.append(try EffectSizes.compute(study.data, measure: measure, label: study.label))
        }
        let tables = options.method == .mantelHaenszel ? try tables(studies) : nil
        return Prepared(labels: studies.map(\.label), effects: effects, tables: tables)
    }

    static func fit(_ prepared: Prepared, measure: EffectType, options: PoolingOptions) throws(PoolingError) -> PooledResult {
        guard prepared.effects.count >= 2 else { throw .tooFewStudies(prepared.effects.count) }
        let result: PooledResult
        if let tables = prepared.tables {
            result = try MantelHaenszel.pool(labels: prepared.labels, tables: tables, effects: prepared.effects,
                                             measure: measure, options: options)
        } else {
            result = try InverseVariance.pool(labels: prepared.labels, effects: prepared.effects, measure: measure, options: options)
        }
        guard result.isFinite else {
            throw .notApplicable("these studies' numbers are too extreme to pool (a figure was not finite); check their variances")
        }
        return result
    }

    private static func check(_ options: PoolingOptions, measure: EffectType) throws(PoolingError) {
        guard options.level > 0, options.level < 1 else {
            throw .notApplicable("the confidence level must lie between 0 and 1 (e.g. 0.95), not \(options.level)")
        }
        guard options.maximumIterations >= 1 else {
            throw .notApplicable("REML needs at least 1 iteration, not \(options.maximumIterations)")
        }
        guard options.tolerance > 0, options.tolerance.isFinite else {
            throw .notApplicable("the REML convergence threshold must be a positive number, not \(options.tolerance)")
        }
        if options.hartungKnapp && !options.method.isRandomEffects {
            throw .notApplicable("Hartung-Knapp adjusts random-effects models (dl, reml); it does not apply to \(options.method.rawValue)")
        }
        if options.method == .mantelHaenszel && ![.rr, .or, .rd].contains(measure) {
            throw .notApplicable("Mantel-Haenszel pools risk ratios, odds ratios and risk differences from event counts, not \(StudyChecks.phrase(measure))")
        }
    }

    /// Mantel-Haenszel works on the 2×2 tables themselves.
    private static func tables(_ studies: [Study]) throws(PoolingError) -> [TwoByTwo] {
        var tables: [TwoByTwo] = []
        for study in studies {
            guard case let .binary(eventsTreatment, totalTreatment, eventsControl, totalControl) = study.data else {
                throw .notApplicable("Mantel-Haenszel needs events and totals per arm; \(study.label) gives only an estimate or arm means")
            }
            tables.append(TwoByTwo(eventsTreatment: eventsTreatment, totalTreatment: totalTreatment,
                                   eventsControl: eventsControl, totalControl: totalControl))
        }
        return tables
    }
}

extension PooledResult {
    /// Every figure is a finite number (nothing NaN or infinite reaches a reader).
    var isFinite: Bool {
        let figures = [estimate, se, ciLow, ciHigh, statistic, p, tau2, tau, i2, h2, q, qP]
            + [predictionLow, predictionHigh].compactMap { $0 }
        return figures.allSatisfy(\.isFinite)
            && studies.allSatisfy { [$0.yi, $0.vi, $0.ciLow, $0.ciHigh, $0.weight].allSatisfy(\.isFinite) }
    }
}
