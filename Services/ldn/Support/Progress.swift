import Foundation

/// Shows how far a long job has got, on standard error: a redrawn bar on a terminal,
/// a plain line every few seconds otherwise (logs, pipes, CI).
struct Progress {
    let total: Int
    let label: String
    private let started = ContinuousClock.now
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastShown = ContinuousClock.now
    private var drawn = false

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    var elapsedSeconds: Double { (ContinuousClock.now - started).seconds }

    mutating func update(done: Int) {
        let now = ContinuousClock.now
        guard now - lastShown >= (isTerminal ? .milliseconds(100) : .seconds(2)) || (isTerminal && done == total) else { return }
        lastShown = now
        let rate = Int(Double(done) / max(elapsedSeconds, 0.001))
        if isTerminal {
            let width = 30
            let filled = total == 0 ? width : width * done / total
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            write("\r\(bar) \(done)/\(total) \(label) \(rate)/s ")
            drawn = true
        } else {
            write("\(done)/\(total) \(label) (\(rate)/s)\n")
        }
    }

    /// Clears the bar before the summary is printed.
    mutating func finish() {
        if drawn { write("\r\u{1B}[K") }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
