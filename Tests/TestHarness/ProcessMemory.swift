import Foundation

/// A process's memory as Linux reports it in /proc/<pid>/status, in bytes.
public struct ProcessMemory: Sendable {
    /// Resident now (VmRSS).
    public let resident: Int
    /// The highest resident size since the process started (VmHWM).
    public let peakResident: Int

    /// Nil when the process is gone (or this is not Linux).
    public init?(pid: Int32) {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func kilobytes(_ field: String) -> Int? {
            text.split(separator: "\n").first { $0.hasPrefix(field + ":") }?
                .split(whereSeparator: \.isWhitespace).dropFirst().first.flatMap { Int($0) }
        }
        guard let resident = kilobytes("VmRSS"), let peak = kilobytes("VmHWM") else { return nil }
        self.resident = resident * 1024
        self.peakResident = peak * 1024
    }
}
