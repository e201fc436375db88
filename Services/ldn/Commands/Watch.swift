import ArgumentParser
import EvidenceModel
import Foundation
import Client
import MetaAnalysis
import ServiceKit
import WireProtocol

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Be told when new evidence matching a filter lands: on the stream, by webhook, or both.",
        subcommands: [WatchAdd.self, WatchList.self, WatchRemove.self, WatchResume.self, WatchReplay.self, WatchFollow.self])
}

struct WatchAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a watch on new evidence, e.g. `ldn watch add ms-rct --condition ms --design rct`, "
            + "or on a pooled result: `ldn watch add fibro-pain --synthesis fibromyalgia:pain`.",
        discussion: """
            A watch covers changes from the moment it is added. A synthesis watch starts from the synthesis as it stands \
            and delivers each change that moves it. Webhook bodies are signed; the secret is shown once, here.
            """)

    @Argument(help: "A name: letters, digits, '.', '_', '-'.")
    var name: String

    @OptionGroup var filter: FilterOptions

    @Option(help: "Words that must appear (title, summary, outcomes, adverse events).")
    var text: String?

    @OptionGroup var synthesis: SynthesisWatchOptions

    @Option(help: "Also POST each match to this http(s) URL.")
    var webhook: String?

    @Flag(help: "Deliver by webhook only, not on the stream.")
    var noStream = false

    @OptionGroup var endpoint: NotifierEndpoint

    @Flag(help: "Print the answer as JSON.")
    var json = false

    func validate() throws {
        if let option = synthesis.givenWithoutSynthesis { throw ValidationError("\(option) goes with --synthesis") }
        if synthesis.synthesis != nil {
            var plain = filter.filter(text: text)
            plain.design = nil  // --design narrows a synthesis too
            if plain != EvidenceFilter() {
                throw ValidationError("--synthesis follows a pooled result; the filter options other than --design are for plain watches")
            }
        }
        _ = try synthesis.request(design: filter.design)
    }

    func run() throws {
        let question = try synthesis.request(design: filter.design)
        let answer = try endpoint.call(MessageType.watchAdd,
                                       WatchAddRequest(name: name, filter: question == nil ? filter.filter(text: text) : nil,
                                                       synthesis: question, stream: !noStream, webhook: webhook),
                                       // A synthesis's not_found may be about its outcome: the notifier's message says which.
                                       as: WatchAddReply.self, condition: question == nil ? filter.condition : nil)
        if json { return Output.json(answer) }
        if let followed = answer.watch.synthesis {
            print("Watch \"\(answer.watch.name)\" added: the synthesis of \(SynthesisText.question(followed)).")
            print("It starts from the synthesis as it stands (`ldn watch list` shows it); "
                  + "each change that moves the estimate, its CI, k or I² is delivered.")
        } else {
            print("Watch \"\(answer.watch.name)\" added: \(WatchText.describe(answer.watch.filter ?? EvidenceFilter()).map { "new evidence matching \($0)" } ?? "all new evidence").")
        }
        if answer.watch.stream { print("Stream: `ldn watch follow \(answer.watch.name)` shows each match as it arrives.") }
        if let webhook = answer.watch.webhook { print("Webhook: \(webhook)") }
        if let secret = answer.secret {
            print("Webhook secret (shown once; receivers verify X-LDN-Signature with it): \(secret)")
        }
    }
}

struct WatchList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List watches: deliveries, lag, failures, dead letters.")

    @OptionGroup var endpoint: NotifierEndpoint

    @Flag(help: "Print the answer as JSON.")
    var json = false

    func run() throws {
        let answer = try endpoint.call(MessageType.watchList, EmptyBody(), as: WatchListReply.self)
        if json { return Output.json(answer) }
        guard !answer.watches.isEmpty else { return print("No watches. Add one with `ldn watch add NAME --condition …`.") }
        var table = Table("NAME", "DELIVERY", "DELIVERED", "LAG", "FAILED", "DEAD", "STATE")
        var filters = Table("NAME", "MATCHES")
        for watch in answer.watches {
            let delivery = [watch.stream ? "stream" : nil, watch.webhook == nil ? nil : "webhook"].compactMap { $0 }.joined(separator: "+")
            table.add(watch.name, delivery, String(watch.delivered), String(watch.lag), String(watch.failures),
                      String(watch.deadLetters), watch.paused == nil ? "active" : "paused")
            if let question = watch.synthesis {
                filters.add(watch.name, "synthesis of \(SynthesisText.question(question)): "
                            + (watch.headline.map(SynthesisText.figures) ?? "reading the store's log"))
            } else {
                filters.add(watch.name, WatchText.describe(watch.filter ?? EvidenceFilter()) ?? "everything")
            }
        }
        print(table.render())
        print()
        print(filters.render(width: 200))
        for watch in answer.watches {
            if let reason = watch.paused { print("\n\(watch.name) is paused: \(reason)") }
            if watch.dropped > 0 { print("\n\(watch.name): \(watch.dropped) stream messages dropped for slow subscribers") }
        }
        if !answer.deadLetters.isEmpty {
            print("\nDead letters (newest last):")
            for letter in answer.deadLetters {
                print("  \(letter.watch) seq \(letter.seq) \(letter.key ?? "") — \(letter.attempts) attempts, \(letter.lastError)")
            }
        }
    }
}

struct WatchRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a watch.")

    @Argument var name: String
    @OptionGroup var endpoint: NotifierEndpoint

    func run() throws {
        _ = try endpoint.call(MessageType.watchRemove, WatchNameRequest(name: name), as: WatchListReply.self)
        print("Watch \"\(name)\" removed.")
    }
}

struct WatchResume: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a paused watch from where it stopped.")

    @Argument var name: String
    @OptionGroup var endpoint: NotifierEndpoint

    func run() throws {
        let answer = try endpoint.call(MessageType.watchResume, WatchNameRequest(name: name), as: WatchListReply.self)
        let cursor = answer.watches.first?.cursor ?? 0
        print("Watch \"\(name)\" resumed from seq \(cursor + 1).")
    }
}

struct WatchReplay: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "replay",
                                                    abstract: "Deliver again every match from a sequence number on.")

    @Argument var name: String

    @Option(help: "The first sequence number to deliver again.")
    var from: Int64

    @OptionGroup var endpoint: NotifierEndpoint

    func run() throws {
        _ = try endpoint.call(MessageType.watchReplay, WatchReplayRequest(name: name, from: from), as: WatchListReply.self)
        print("Watch \"\(name)\" replaying from seq \(from).")
    }
}

enum WatchText {
    /// "condition ms, design rct, certainty ≥ moderate"; nil for an empty filter.
    static func describe(_ filter: EvidenceFilter) -> String? {
        var parts: [String] = []
        if let condition = filter.condition { parts.append("condition \(condition)") }
        if let designs = filter.design { parts.append("design \(designs.map(\.rawValue).joined(separator: "/"))") }
        if let certainty = filter.minCertainty { parts.append("certainty ≥ \(certainty.rawValue)") }
        if let from = filter.yearFrom { parts.append("from \(from)") }
        if let to = filter.yearTo { parts.append("to \(to)") }
        if let outcome = filter.outcome { parts.append("outcome \(outcome)") }
        if let direction = filter.direction { parts.append(direction.rawValue) }
        if let minimum = filter.minParticipants { parts.append("n ≥ \(minimum)") }
        for (label, value) in [("DOI", filter.doi), ("PMID", filter.pmid), ("NCT", filter.nct)] {
            if let value { parts.append("\(label) \(value)") }
        }
        if let text = filter.text { parts.append("text \"\(text)\"") }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }
}
