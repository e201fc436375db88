import ArgumentParser
import Foundation
import WireProtocol

struct Harvest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Saved searches the harvester runs against PubMed and ClinicalTrials.gov, submitting what is new (docs/HARVEST.md).",
        subcommands: [HarvestAdd.self, HarvestList.self, HarvestRun.self, HarvestPause.self, HarvestResume.self, HarvestRemove.self])
}

struct HarvestAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Save a search, e.g. `ldn harvest add ldn-pubmed --pubmed \"low dose naltrexone\" --every 24h` "
            + "or `ldn harvest add ldn-fibro --ctgov naltrexone --condition fibromyalgia`.",
        discussion: "A new search runs at once, then every interval. Needs the curator role.")

    @Argument(help: "A name: letters, digits, '.', '_', '-'.")
    var name: String

    @Option(help: "A PubMed search term (as typed on pubmed.ncbi.nlm.nih.gov).")
    var pubmed: String?

    @Option(help: "A ClinicalTrials.gov search term (its query.term).")
    var ctgov: String?

    @Option(help: "With --ctgov: the condition (its query.cond).")
    var condition: String?

    @Option(help: "Time between runs: 24h, 90m, 3600s, 1d (at least 60s; default 1d).", transform: HarvestInterval.seconds)
    var every: Int?

    @OptionGroup var endpoint: HarvesterEndpoint

    @Flag(help: "Print the answer as JSON.")
    var json = false

    func validate() throws {
        switch (pubmed, ctgov) {
        case (nil, nil): throw ValidationError("give the search: --pubmed \"TERM\" or --ctgov \"TERM\"")
        case (_?, _?): throw ValidationError("a search looks in one place: --pubmed or --ctgov, not both")
        default: break
        }
        if condition != nil && ctgov == nil {
            throw ValidationError("--condition goes with --ctgov; for PubMed put it in the term, e.g. \"low dose naltrexone AND fibromyalgia\"")
        }
    }

    func run() throws {
        let request = HarvestAddRequest(name: name, source: pubmed == nil ? .ctgov : .pubmed, query: pubmed ?? ctgov ?? "",
                                        condition: condition, interval: every)
        let answer = try endpoint.call(MessageType.harvestAdd, request, as: HarvestListReply.self)
        if json { return Output.json(answer) }
        guard let search = answer.searches.first else { return }
        print("Search \"\(search.name)\" saved: \(HarvestText.describe(search)), every \(HarvestInterval.text(search.interval)).")
        print("It runs now; `ldn harvest list` shows its runs, `ldn harvest run \(search.name)` runs it again.")
    }
}

struct HarvestList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list",
                                                    abstract: "List saved searches: their last run, the next one, and why any is paused.")

    @OptionGroup var endpoint: HarvesterEndpoint

    @Flag(help: "Print the answer as JSON.")
    var json = false

    func run() throws {
        let answer = try endpoint.call(MessageType.harvestList, EmptyBody(), as: HarvestListReply.self)
        if json { return Output.json(answer) }
        guard !answer.searches.isEmpty else {
            return print("No saved searches. Add one with `ldn harvest add NAME --pubmed \"low dose naltrexone\"`.")
        }
        var table = Table("NAME", "SOURCE", "EVERY", "LAST RUN", "FOUND", "NEW", "DUP", "REVIEW", "ERR", "NEXT RUN", "STATE")
        for search in answer.searches {
            let last = search.lastRun
            table.add(search.name, search.source.rawValue, HarvestInterval.text(search.interval),
                      last.map { "\(HarvestText.time($0.finishedAt)) \($0.outcome)" } ?? "never",
                      last.map { String($0.found) } ?? "-", last.map { String($0.new) } ?? "-", last.map { String($0.duplicates) } ?? "-",
                      last.map { String($0.needsReview) } ?? "-", last.map { String($0.errors) } ?? "-",
                      search.nextRun.map(HarvestText.time) ?? "-", HarvestText.state(search))
        }
        print(table.render(width: 160))
        print()
        var queries = Table("NAME", "QUERY")
        for search in answer.searches { queries.add(search.name, HarvestText.describe(search)) }
        print(queries.render(width: 200))
        for search in answer.searches {
            if let reason = search.paused { print("\n\(search.name) is paused: \(reason)\n  (`ldn harvest resume \(search.name)` when fixed)") }
            if let error = search.lastRun?.error, search.paused == nil { print("\n\(search.name)'s last run failed: \(error)") }
        }
    }
}

struct HarvestRun: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run",
                                                    abstract: "Run a saved search now and show its progress until it ends.")

    @Argument var name: String

    @Flag(help: "Return once the run has started.")
    var noWait = false

    @Option(help: "Seconds between progress checks.")
    var interval: Double = 1

    @OptionGroup var endpoint: HarvesterEndpoint

    func validate() throws {
        guard interval >= 0.1 else { throw ValidationError("--interval must be at least 0.1 seconds") }
    }

    func run() throws {
        let answer = try endpoint.call(MessageType.harvestRun, HarvestNameRequest(name: name), as: HarvestRunReply.self)
        print(answer.started ? "Run of \"\(name)\" started." : "A run of \"\(name)\" is already under way; following it.")
        if noWait { return }
        let before = answer.search.lastRun?.finishedAt
        var shown = ""
        while true {
            Thread.sleep(forTimeInterval: interval)
            let list = try endpoint.call(MessageType.harvestList, EmptyBody(), as: HarvestListReply.self)
            guard let search = list.searches.first(where: { $0.name == name }) else {
                Output.error("the search \"\(name)\" was removed during the run")
                throw ExitCode.failure
            }
            if let progress = search.running {
                let line = "  \(progress.from ?? "start")..\(progress.through): found \(progress.found)"
                    + (progress.total.map { " of \($0)" } ?? "") + ", submitted \(progress.submitted)"
                if line != shown { Output.line(line) }
                shown = line
                continue
            }
            guard let last = search.lastRun, last.finishedAt != before else {
                if let reason = search.paused {
                    Output.error("\"\(name)\" is paused: \(reason)")
                    throw ExitCode.failure
                }
                continue  // not started yet
            }
            print(HarvestText.figures(last))
            if let error = last.error { Output.error("the run failed: \(error)") }
            if let reason = search.paused { Output.error("\"\(name)\" is paused: \(reason)") }
            if last.outcome == "failed" { throw ExitCode.failure }
            return
        }
    }
}

struct HarvestPause: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause",
                                                    abstract: "Stop running a search (a run under way stops between batches, losing nothing).")

    @Argument var name: String

    @Option(help: "Why, shown in `ldn harvest list`.")
    var reason: String?

    @OptionGroup var endpoint: HarvesterEndpoint

    func run() throws {
        _ = try endpoint.call(MessageType.harvestPause, HarvestPauseRequest(name: name, reason: reason), as: HarvestListReply.self)
        print("Search \"\(name)\" paused.")
    }
}

struct HarvestResume: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume",
                                                    abstract: "Resume a paused search: it runs at once, from where it stopped.")

    @Argument var name: String
    @OptionGroup var endpoint: HarvesterEndpoint

    func run() throws {
        _ = try endpoint.call(MessageType.harvestResume, HarvestNameRequest(name: name), as: HarvestListReply.self)
        print("Search \"\(name)\" resumed; it runs now.")
    }
}

struct HarvestRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm",
                                                    abstract: "Remove a saved search with its cursor (records it submitted stay in the store).")

    @Argument var name: String
    @OptionGroup var endpoint: HarvesterEndpoint

    func run() throws {
        _ = try endpoint.call(MessageType.harvestRemove, HarvestNameRequest(name: name), as: HarvestListReply.self)
        print("Search \"\(name)\" removed.")
    }
}

/// Intervals as people write them: 24h, 90m, 3600s, 1d.
enum HarvestInterval {
    static func seconds(_ text: String) throws -> Int {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let unit = trimmed.last, let multiplier = units[unit], let count = Int(trimmed.dropLast()), count > 0,
              count <= HarvestLimits.maximumInterval / multiplier else {
            throw ValidationError("\"\(text)\" is not an interval: write a whole number and a unit, e.g. 24h, 90m, 3600s, 1d (at most 90d)")
        }
        let seconds = count * multiplier
        guard seconds >= HarvestLimits.minimumInterval else {
            throw ValidationError("\"\(text)\" is too short: searches run at most once a minute (60s)")
        }
        return seconds
    }

    /// "1d", "12h", "90m", "45s".
    static func text(_ seconds: Int) -> String {
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60)] where seconds % size == 0 { return "\(seconds / size)\(unit)" }
        return "\(seconds)s"
    }
}

enum HarvestText {
    static func describe(_ search: HarvestSearchInfo) -> String {
        switch search.source {
        case .pubmed: "PubMed \"\(search.query)\""
        case .ctgov: "ClinicalTrials.gov \"\(search.query)\"" + (search.condition.map { ", condition \"\($0)\"" } ?? "")
        }
    }

    static func state(_ search: HarvestSearchInfo) -> String {
        if search.running != nil { return "running" }
        if search.paused != nil { return "paused" }
        return search.failuresInARow > 0 ? "failing (\(search.failuresInARow))" : "active"
    }

    /// "2026-11-30 14:05" (UTC).
    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    /// The run's figures in one line.
    static func figures(_ run: HarvestRunSummary) -> String {
        guard run.outcome != "skipped" else { return "Skipped: the source's data has not changed since the last run." }
        let window = run.through.map { " (\(run.from ?? "start")..\($0))" } ?? ""
        return "\(run.outcome == "complete" ? "Done" : "Failed")\(window): found \(run.found), "
            + "new \(run.new) (for review \(run.needsReview)), duplicates \(run.duplicates), rejected \(run.rejected), "
            + "errors \(run.errors), \(Output.seconds(run.seconds))."
    }
}
