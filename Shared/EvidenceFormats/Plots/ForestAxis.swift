import Foundation

/// The horizontal axis of a forest plot, on the analysis scale (log for ratios): its ends,
/// which always fall on ticks, and ticks at round values of the natural scale (0.5, 1, 2 for
/// ratios; 0.25 steps or 1, 2, 5 × 10ⁿ for differences). The null (0; a ratio of 1) is
/// always on the axis.
public struct ForestAxis: Sendable, Hashable {
    public let ratio: Bool
    public let low: Double
    public let high: Double
    /// Tick positions on the analysis scale, ascending; the first is `low`, the last `high`.
    public let ticks: [Double]

    /// An axis for these `values` (estimates, the pooled CI, the prediction interval), which
    /// it shows whole, and the studies' `intervals`, shown whole too unless one is more than
    /// 4 times as wide as the median interval: one very imprecise study does not squeeze every
    /// other into a corner (its line runs off the axis, with an arrow).
    public init(values: [Double], intervals: [(low: Double, high: Double)], ratio: Bool) {
        self.ratio = ratio
        let core = (values + [0]).filter(\.isFinite)
        var low = core.min() ?? 0, high = core.max() ?? 0
        let finite = intervals.filter { $0.low.isFinite && $0.high.isFinite && $0.high >= $0.low }
        let widths = finite.map { $0.high - $0.low }.sorted()
        let median = widths.isEmpty ? 0 : widths[widths.count / 2]
        for interval in finite where interval.high - interval.low <= 4 * median {
            low = min(low, interval.low)
            high = max(high, interval.high)
        }
        if high - low < 1e-9 {
            let half = ratio ? log(2) / 2 : max(abs(low), 1) / 2
            (low, high) = (low - half, high + half)
        }
        let ticks = ratio ? Self.logTicks(low, high) : Self.linearTicks(low, high)
        self.ticks = ticks
        // On the outer ticks (a tick found within rounding of an end may lie a hair inside it).
        self.low = min(ticks.first ?? low, low)
        self.high = max(ticks.last ?? high, high)
    }

    /// Where `value` falls, 0 at `low` and 1 at `high` (outside 0...1 beyond the ends).
    public func fraction(_ value: Double) -> Double {
        high > low ? (value - low) / (high - low) : 0.5
    }

    public func contains(_ value: Double) -> Bool { value >= low - 1e-12 && value <= high + 1e-12 }

    /// A tick's label on the natural scale: "0.5", "1", "2"; "-1", "-0.5", "0".
    public func label(_ tick: Double) -> String {
        let value = ratio ? exp(tick) : tick
        if abs(value) < 1e-12 { return "0" }
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Multiples of a round step (1, 2, 2.5 or 5 × 10ⁿ) giving 4 to 8 intervals, from the
    /// one at or below `low` to the one at or above `high`.
    static func linearTicks(_ low: Double, _ high: Double) -> [Double] {
        let rough = (high - low) / 5
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let first = (low / step).rounded(.down), last = (high / step).rounded(.up)
        guard first.isFinite, last.isFinite, last - first < 100 else { return [low, high] }
        return stride(from: first, through: last, by: 1).map { $0 * step == 0 ? 0 : $0 * step }
    }

    /// Round ratios on a log axis, from the one at or below `low` to the one at or above `high`:
    /// of the families of round values (powers of 10; 1, 2, 5; then finer), the one giving
    /// nearest 5 ticks, within 3 to 7 (the coarser on a tie); every other tick when even
    /// powers of 10 give more than 9.
    static func logTicks(_ low: Double, _ high: Double) -> [Double] {
        let families: [[Double]] = [[1], [1, 2, 5], [1, 1.5, 2, 3, 5, 7], [1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8],
                                    stride(from: 1.0, to: 10, by: 0.1).map { $0 }]
        let choices: [[Double]] = families.compactMap { family in
            let values = (-8...8).flatMap { decade in family.map { $0 * pow(10, Double(decade)) } }.map(Foundation.log)
            guard let first = values.last(where: { $0 <= low + 1e-12 }), let last = values.first(where: { $0 >= high - 1e-12 })
            else { return nil }
            return values.filter { $0 >= first - 1e-12 && $0 <= last + 1e-12 }
        }
        let fitting = choices.filter { (3...7).contains($0.count) }
        if let best = fitting.min(by: { abs($0.count - 5) < abs($1.count - 5) }) { return best }
        if let finest = choices.last, finest.count < 3 { return finest }
        guard var ticks = choices.first else { return [low, high] }
        while ticks.count > 9 { ticks = ticks.enumerated().filter { $0.offset % 2 == 0 || $0.offset == ticks.count - 1 }.map(\.element) }
        return ticks
    }
}
