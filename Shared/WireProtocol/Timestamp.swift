import Foundation

/// ISO 8601 timestamps in UTC with milliseconds (`2026-11-29T09:56:44.123Z`), written and
/// read by hand: change headers carry one each, and Foundation's formatter costs more than
/// the rest of a header. Without `fraction`, to the second (`2026-11-29T09:56:44Z`), as
/// Codable bodies' dates have always been written.
public enum Timestamp {
    public static func string(_ date: Date, fraction: Bool = true) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(millis / 1000), parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
            + (fraction ? ".\(pad(Int32(millis % 1000), 3))Z" : "Z")
    }

    /// Reads `YYYY-MM-DDTHH:MM:SS[.fff]Z`.
    public static func date(_ text: String) -> Date? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 20, utf8.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var value: Int32 = 0
            for index in range {
                guard (48...57).contains(utf8[index]) else { return nil }
                value = value * 10 + Int32(utf8[index] - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        var millis = 0.0
        if utf8[19] == UInt8(ascii: "."), let fraction = number(20..<(utf8.count - 1)) {
            millis = Double(fraction) / pow(10, Double(utf8.count - 21)) * 1000
        }
        return Date(timeIntervalSince1970: Double(timegm(&parts)) + millis / 1000)
    }
}
