import ArgumentParser
import EvidenceModel
import Foundation
import Client
import ServiceKit
import WireProtocol

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find studies by words in their title, summary, outcomes and adverse events, best match first.")

    @Argument(help: "Words that must all appear, e.g. \"spasticity\".")
    var text: String

    @OptionGroup var filter: FilterOptions

    @Option(help: "How many to show (at most 100).")
    var limit = 10

    @OptionGroup var query: QueryEndpoint

    @Flag(help: "Print the answer as JSON.")
    var json = false

    func validate() throws {
        guard (1...100).contains(limit) else { throw ValidationError("--limit must be between 1 and 100") }
    }

    func run() throws {
        let answer = try query.call(MessageType.search, SearchRequest(text: text, filter: filter.filter(), limit: limit),
                                    as: QueryReply.self, condition: filter.condition)
        if json { return Output.json(answer) }
        QueryOutput.noteStaleness(answer.replica)
        guard !answer.hits.isEmpty else { return print("No studies mention \"\(text)\".") }
        print("\(answer.total) stud\(answer.total == 1 ? "y mentions" : "ies mention") \"\(text)\"; best first.\n")
        for (rank, hit) in answer.hits.enumerated() {
            guard let record = hit.record else { continue }
            let view = RecordView(header: nil, record: record)
            let number = String(rank + 1).leftPadded(to: 2) + ". "
            print(view.wrap("\(record.title) (\(record.year))", width: 80, indent: number).joined(separator: "\n"))
            let facts = [record.design.displayName, record.participants.map { "\($0) participants" },
                         "certainty \(record.certainty.rawValue)", "record \(hit.id)"].compactMap { $0 }
            print(view.wrap(facts.joined(separator: " · "), width: 80, indent: "    ").joined(separator: "\n"))
            if let snippet = hit.snippet, !snippet.isEmpty {
                print(view.wrap(snippet, width: 80, indent: "    ").joined(separator: "\n"))
            }
            print("")
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
