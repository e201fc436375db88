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

    @OptionGroup var query: QueryEndpoint

    @Flag(help: "Print the answer as JSON.")
    var json = false

    func run() throws {
        let answer = try query.call(MessageType.summary, SummaryRequest(condition: condition), as: SummaryReply.self,
                                    condition: condition)
        if json { return Output.json(answer) }
        QueryOutput.noteStaleness(answer.replica)
        print(SummaryView(summary: answer).render())
    }
}
