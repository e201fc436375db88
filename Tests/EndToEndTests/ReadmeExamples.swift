import Foundation

/// The examples of README.md: every fenced block whose first line is a `$ ` prompt.
///
/// Inside a block, each `$ ` line is a command run with `bash -c` (comments after `#` are
/// the shell's), and the lines up to the next `$ ` are what it prints. Lines that start with
/// `ldn: ` are expected on standard error, all others on standard output (the client writes
/// every problem, warning and note as `ldn: …` on standard error), so the order of the two
/// streams does not matter. Three conventions in a command's comment:
/// - `# exit status N`: the command must exit with N (otherwise the status is not checked);
/// - `# meanwhile, in another shell: COMMAND`: COMMAND runs once the first command has printed
///   its first line (its own output is not compared);
/// - a command ending in `&` runs in the background until the test ends; what the README shows
///   after it is compared with its first lines.
/// A command that only reads (`ldn status`, `get`, `query`, `search`, `summary`, `synthesize`, `watch list`,
/// `export` to standard output) is run again, for up to 10 s, while its output differs:
/// replicas and webhook deliveries catch up a moment after a change.
///
/// Before a block, an HTML comment says in which set it runs: `<!-- README test: new set -->`
/// (scripts/run-local.sh as a person starts it, loading the bundled dataset),
/// `<!-- README test: new empty set -->` (`run-local.sh --no-dataset`) or
/// `<!-- README test: new empty set harvesting from the fixture -->` (`SetUp.harvestFixture`);
/// a block without one runs in the set of the block before.
struct ReadmeExample {
    enum SetUp: String {
        case newSet = "new set", newEmptySet = "new empty set"
        /// `run-local.sh --no-dataset` with the harvester's bases at the harvest fixture, started
        /// with examples/harvest/fixture-seed.json, as the README tells.
        case harvestFixture = "new empty set harvesting from the fixture"
    }

    struct Command {
        /// 1-based line of README.md.
        let line: Int
        let text: String
        let expected: [String]

        var meanwhile: String? {
            text.firstMatch(of: /# meanwhile, in another shell: (.+)$/).map { String($0.1) }
        }
        var exitStatus: Int32? {
            text.firstMatch(of: /# exit status (\d+)/).flatMap { Int32($0.1) }
        }
        var inBackground: Bool { text.hasSuffix("&") }
        /// How many lines the README shows, without the blank ones at the end.
        var shownLines: Int {
            var count = expected.count
            while count > 0, expected[count - 1].trimmingCharacters(in: .whitespaces).isEmpty { count -= 1 }
            return count
        }
        /// `ldn status`, `get`, `query`, `search`, `summary`, `synthesize`, `export` to standard output, `watch list`,
    /// `harvest list`.
        var onlyReads: Bool {
            text.contains(/^ldn (status|get|query|search|summary|synthesize|watch list|harvest list)\b/)
                || (text.hasPrefix("ldn export") && !text.contains(" -o "))
        }
        /// What bash runs: without the background `&`.
        var shellText: String { inBackground ? String(text.dropLast()) : text }
    }

    let setUp: SetUp?
    let commands: [Command]

    static func all(in readme: String) -> [ReadmeExample] {
        let lines = readme.components(separatedBy: "\n")
        var examples: [ReadmeExample] = []
        var setUp: SetUp?
        var index = 0
        while index < lines.count {
            let line = lines[index]
            if let marker = line.firstMatch(of: /<!-- README test: (.+) -->/) {
                setUp = SetUp(rawValue: String(marker.1))
                precondition(setUp != nil, "README.md line \(index + 1): unknown README test marker \(marker.1)")
            }
            guard line == "```", index + 1 < lines.count, lines[index + 1].hasPrefix("$ ") else {
                index += 1
                continue
            }
            var body: [(Int, String)] = []
            index += 1
            while index < lines.count, lines[index] != "```" {
                body.append((index + 1, lines[index]))
                index += 1
            }
            examples.append(ReadmeExample(setUp: setUp, commands: commands(in: body)))
            setUp = nil
            index += 1
        }
        return examples
    }

    private static func commands(in body: [(Int, String)]) -> [Command] {
        var commands: [Command] = []
        var current: (line: Int, text: String, expected: [String])?
        for (number, text) in body {
            if text.hasPrefix("$ ") {
                if let current { commands.append(Command(line: current.line, text: current.text, expected: current.expected)) }
                current = (number, String(text.dropFirst(2)).trimmingCharacters(in: .whitespaces), [])
            } else {
                current?.expected.append(text)
            }
        }
        if let current { commands.append(Command(line: current.line, text: current.text, expected: current.expected)) }
        return commands
    }
}

/// What legitimately differs between the README and a real run, made equal on both sides.
/// Nothing else is: record ids, sequence numbers, counts, titles and messages must match.
struct ReadmeNormalisation {
    /// The README's set listens on 5550–5599 (run-local's default base), its webhook
    /// receiver on 8787 and its harvest fixture on 7599; the test's use free ports.
    static let readmeBasePort = 5550
    static let readmeReceiverPort = 8787
    static let readmeFixturePort = 7599
    let basePort: Int
    let receiverPort: Int
    var fixturePort = 0

    /// A README command with the test's ports.
    func command(_ text: String) -> String {
        text.replacing(/(?<prefix>:|--port )(?<port>\d{4,5})\b/) { match in
            let port = Int(match.output.port)!
            return "\(match.output.prefix)\(testPort(for: port).map(String.init) ?? String(match.output.port))"
        }
    }

    private func testPort(for readmePort: Int) -> Int? {
        if readmePort == Self.readmeReceiverPort { return receiverPort }
        if readmePort == Self.readmeFixturePort { return fixturePort }
        let offset = readmePort - Self.readmeBasePort
        return (0..<50).contains(offset) ? basePort + offset : nil
    }

    /// One line of output, README's or the run's, in the form both are compared in:
    /// - a CR before the line end goes (CSV output ends its lines with CRLF);
    /// - times (ISO 8601, or a day and minutes as `ldn harvest list` shows them) become `<time>`; durations and rates of a load `<s>` and `<n>`;
    /// - the UPTIME column of `ldn status` becomes `<uptime>`;
    /// - a webhook secret (64 hex digits) becomes `<secret>`;
    /// - "submitted by user@host" becomes `submitted by <user>`;
    /// - the test's ports become the README's;
    /// - runs of spaces become one, and trailing spaces go (table columns are padded to
    ///   the widest cell, which the values above change).
    func line(_ text: String) -> String {
        var text = text.hasSuffix("\r") ? String(text.unicodeScalars.dropLast()) : text
        text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/, with: "<time>")
        text.replace(/\d{4}-\d\d-\d\d \d\d:\d\d\b/, with: "<time>")
        text.replace(/in \d+\.\d+ s \(\d+ records\/s\)/, with: "in <s> s (<n> records/s)")
        text.replace(/\b(up\s+)(\d+d \d+h|\d+h \d+m|\d+m \d+s|\d+s)\b/) { "\($0.1)<uptime>" }
        text.replace(/\b[0-9a-f]{64}\b/, with: "<secret>")
        text.replace(/submitted by \S+@\S+/, with: "submitted by <user>")
        text.replace(/\b\d{4,5}\b/) { match in
            guard let port = Int(match.output) else { return String(match.output) }
            if port == receiverPort { return String(Self.readmeReceiverPort) }
            if port == fixturePort { return String(Self.readmeFixturePort) }
            let offset = port - basePort
            return (0..<50).contains(offset) ? String(Self.readmeBasePort + offset) : String(match.output)
        }
        text.replace(/\ {2,}/, with: " ")
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }

    /// Whether `actual` lines are what the README shows. A README line that is only `…`
    /// stands for any number of lines; a README line ending in `…` matches a line that
    /// begins with what comes before it. Trailing blank lines are ignored on both sides.
    func matches(expected: [String], actual: [String]) -> Bool {
        func trimmed(_ lines: [String]) -> [String] {
            var lines = lines.map(line)
            while lines.last?.isEmpty == true { lines.removeLast() }
            return lines
        }
        return Self.match(trimmed(expected)[...], trimmed(actual)[...])
    }

    private static func match(_ expected: ArraySlice<String>, _ actual: ArraySlice<String>) -> Bool {
        guard let first = expected.first else { return actual.isEmpty }
        if first.trimmingCharacters(in: .whitespaces) == "…" {
            return (actual.startIndex...actual.endIndex).contains { match(expected.dropFirst(), actual[$0...]) }
        }
        guard let line = actual.first else { return false }
        let equal = first.hasSuffix("…") ? line == first || line.hasPrefix(String(first.dropLast())) : line == first
        return equal && match(expected.dropFirst(), actual.dropFirst())
    }
}
