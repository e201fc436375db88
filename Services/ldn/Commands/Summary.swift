import ArgumentParser
import EvidenceModel
import Foundation
import Client
import ServiceKit
import WireProtocol

struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What the evidence says about LDN for one condition, at a glance.")

    @Argument(help: "A condition code or name: crohns, ms, fibromyalgia, crps, long-covid, \"multiple sclerosis\"…")
    var condition: String

    @Option(help: "Query endpoint (env LDN_QUERY_ENDPOINT).")
    var query = Setting.string("LDN_QUERY_ENDPOINT", default: DefaultEndpoint.query)

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Print the answer as JSON.")
    var json = false

    func run() throws {
        let request = Request(type: MessageType.summary, id: Output.requestID(), body: SummaryRequest(condition: condition))
        let answer = try connection.call(request, to: query, service: .query, as: SummaryReply.self,
                                         condition: condition)
        if json { return Output.json(answer) }
        QueryOutput.noteStaleness(answer.replica)
        print(SummaryView(summary: answer).render())
    }
}
