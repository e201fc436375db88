import EvidenceModel
import Foundation
import MetaAnalysis

/// What a forest plot of a synthesis shows, on the analysis scale (log for ratios): a row per
/// included study (its effect, CI and weight), the pooled estimate with its CI and the
/// prediction interval, and the axis they are drawn on. `ForestPlotSVG` and `ForestPlotText`
/// both draw this, so the file and the terminal agree.
public struct ForestPlot: Sendable {
    public struct Row: Sendable, Hashable {
        public var label: String
        public var design: StudyDesign
        public var nTreatment: Int?
        public var nControl: Int?
        public var estimate: Double
        public var ciLow: Double
        public var ciHigh: Double
        /// Percent of the total weight; nil when nothing was pooled.
        public var weight: Double?

        /// Whether the row has an effect to draw.
        public var drawable: Bool { estimate.isFinite && ciLow.isFinite && ciHigh.isFinite }
    }

    public var title: String
    public var measure: EffectType?
    public var rows: [Row]
    public var pooled: PooledResult?
    /// Why nothing was pooled, when nothing was.
    public var notPooled: String?
    public var benefit: Benefit?
    public var axis: ForestAxis

    public init(_ synthesis: Synthesis, title: String) {
        self.title = title
        measure = synthesis.measure ?? synthesis.pooled?.measure
        pooled = synthesis.pooled
        notPooled = synthesis.notPooled
        benefit = synthesis.benefit
        let results = Dictionary((synthesis.pooled?.studies ?? []).map { ($0.label, $0) }, uniquingKeysWith: { first, _ in first })
        rows = synthesis.included.map { study in
            let result = results[study.label]
            let half = Distributions.z975 * study.effect.vi.squareRoot()
            return Row(label: study.label, design: study.design, nTreatment: study.nTreatment, nControl: study.nControl,
                       estimate: result?.yi ?? study.effect.yi,
                       ciLow: result?.ciLow ?? study.effect.yi - half, ciHigh: result?.ciHigh ?? study.effect.yi + half,
                       weight: result?.weight)
        }
        let drawn = rows.filter(\.drawable)
        var values = drawn.map(\.estimate)
        if let pooled {
            values += [pooled.estimate, pooled.ciLow, pooled.ciHigh]
            values += [pooled.predictionLow, pooled.predictionHigh].compactMap { $0 }
        }
        axis = ForestAxis(values: values, intervals: drawn.map { ($0.ciLow, $0.ciHigh) }, ratio: measure?.isRatio ?? false)
    }

    public var ratio: Bool { axis.ratio }

    /// Which side of the null favours LDN: below it when lower is better on the pooled scale,
    /// above it when higher is; nil when the synthesis does not say.
    public var ldnSide: Side? {
        benefit.map { $0 == .lower ? .below : .above }
    }

    public enum Side: Sendable { case below, above }

    /// "MD, mean difference", "RR, risk ratio (log scale)": what the axis measures.
    public var axisTitle: String {
        guard let measure else { return "effect" }
        return "\(measure.rawValue), \(EffectText.measureName(measure))" + (ratio ? " (log scale)" : "")
    }

    /// "Pooled (REML)": the pooled row's label.
    public var pooledLabel: String {
        pooled.map { "Pooled (\(EffectText.methodShort($0.method))\($0.hartungKnapp ? ", HK" : ""))" } ?? "Pooled"
    }
}
