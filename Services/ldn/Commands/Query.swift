import ArgumentParser
import EvidenceModel
import Foundation
import Client
import ServiceKit
import WireProtocol

struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the studies that match a filter, e.g. --condition crohns --design rct --min-certainty moderate.")

    @OptionGroup var filter: FilterOptions

    @Option(help: "Order: year (newest first), participants (largest first) or certainty (highest first).")
    var sort: QuerySort = .year

    @Option(help: "Studies per page.")
    var limit = 20

    @Option(help: "Page to show, from 1.")
    var page = 1

    @OptionGroup var query: QueryEndpoint

    @Flag(help: "Print the answer as JSON.")
    var json = false

    func validate() throws {
        guard (1...500).contains(limit) else { throw ValidationError("--limit must be between 1 and 500") }
        guard page >= 1 else { throw ValidationError("--page starts at 1") }
    }

    func run() throws {
        let answer = try query.call(MessageType.query, QueryRequest(filter: filter.filter(), sort: sort, limit: limit,
                                                                     offset: (page - 1) * limit),
                                    as: QueryReply.self, condition: filter.condition)
        if json { return Output.json(answer) }
        QueryOutput.noteStaleness(answer.replica)
        guard !answer.hits.isEmpty else {
            print(answer.total == 0 ? "No studies match." : "No studies on page \(page); \(answer.total) match in all.")
            return
        }
        let first = (page - 1) * limit + 1
        print("\(answer.total) stud\(answer.total == 1 ? "y matches" : "ies match"); showing \(first)–\(first + answer.hits.count - 1), by \(sort.rawValue).\n")
        print(QueryOutput.table(answer.hits))
    }
}
