import Foundation

/// Days as the harvester writes them, "YYYY-MM-DD" in UTC: a `HarvestWindow`'s ends, a
/// search's cursor.
enum UTCDay {
    /// The UTC day `date` falls on.
    static func text(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day())
    }

    /// Midnight UTC of `text`; nil when it is not a day.
    static func date(_ text: String) -> Date? {
        try? Date(text + "T00:00:00Z", strategy: .iso8601)
    }

    /// [from, middle] and [middle + 1 day, through]; nil for a single day (or dates that do not read).
    static func halves(from: String, through: String) -> (HarvestWindow, HarvestWindow)? {
        guard let start = date(from), let end = date(through), start < end else { return nil }
        let days = Int((end.timeIntervalSince(start) / 86_400).rounded())
        let middle = start.addingTimeInterval(Double(days / 2) * 86_400)
        return (HarvestWindow(from: text(start), through: text(middle)),
                HarvestWindow(from: text(middle.addingTimeInterval(86_400)), through: text(end)))
    }
}
